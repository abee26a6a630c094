export interface StoreOptions {
  dbPath?: string;
  artifactRoot?: string;
  /** Workspace root; relative paths resolve against it. Default: cwd. */
  root?: string;
  readonly?: boolean;
}

export interface Experiment {
  id: number;
  name: string;
  createdAt: number;
  runCount: number;
}

export type RunStatus = 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED';
export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'];

export interface RunInfo {
  runId: string;
  experimentId: number;
  experimentName: string;
  runName: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  gitCommit: string | null;
  configHash: string | null;
  dataMd5: string | null;
  error: string | null;
  /**
   * Set on a read-only store's answer for a run recorded as RUNNING whose process is gone from this
   * host: status reads KILLED, but the store records it only when next opened for writing.
   */
  stale?: true;
}

export interface ArtifactInfo {
  path: string;
  size: number;
  sha256: string;
}

export interface RunDetail {
  info: RunInfo;
  params: Record<string, string>;
  metrics: Record<string, number>;
  tags: Record<string, string>;
  artifacts: ArtifactInfo[];
}

export interface SearchRunsOptions {
  /** Experiment names; default all. */
  experiments?: string[];
  filter?: string;
  /** e.g. ['metrics.accuracy DESC', 'start_time']; missing values sort last. */
  orderBy?: string[];
  /** Default 1000. */
  maxResults?: number;
  offset?: number;
}

export interface SearchRunsResult {
  runs: RunDetail[];
  total: number;
}

export type ParamValue = string | number | boolean | null;

export interface CreateRunOptions {
  experiment: string;
  runName?: string;
  tags?: Record<string, string>;
  gitCommit?: string | null;
  configHash?: string | null;
  dataMd5?: string | null;
}

export interface GcOptions {
  /** ms epoch; runs started before it. */
  olderThan?: number;
  /** Default FAILED and KILLED. */
  statuses?: RunStatus[];
  dryRun?: boolean;
}

export interface GcResult {
  runs: string[];
  bytesFreed: number;
}

export interface TrackingStore {
  readonly dbPath: string;
  readonly artifactRoot: string;
  getOrCreateExperiment(name: string): Experiment;
  listExperiments(): Experiment[];
  /** Also moves the experiment's artifact folder. */
  renameExperiment(from: string, to: string): Experiment;
  /** Removes the experiment, its runs and their artifacts; returns the removed run ids. */
  deleteExperiment(name: string): string[];
  createRun(o: CreateRunOptions): RunInfo;
  logParams(runId: string, params: Record<string, ParamValue>): void;
  logMetrics(runId: string, metrics: Record<string, number>, step?: number): void;
  setTags(runId: string, tags: Record<string, string>): void;
  logArtifact(runId: string, file: string, name?: string): ArtifactInfo;
  /** Absolute path of a logged artifact; the name is validated (no traversal). */
  artifactFile(runId: string, name: string): string;
  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING'>, error?: string): void;
  getRun(runIdOrUniquePrefix: string): RunDetail;
  searchRuns(o?: SearchRunsOptions): SearchRunsResult;
  listParamKeys(experiments?: string[]): string[];
  listMetricKeys(experiments?: string[]): string[];
  listTagKeys(experiments?: string[]): string[];
  gc(o: GcOptions): GcResult;
  close(): void;
}
