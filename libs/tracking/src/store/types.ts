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

/** MLflow's soft delete: a deleted experiment or run is kept and can be restored. */
export type LifecycleStage = 'active' | 'deleted';
/** Which lifecycle stages a search returns (MLflow's view_type). */
export type LifecycleFilter = 'active' | 'deleted' | 'all';

export interface ExperimentDetail extends Experiment {
  lifecycleStage: LifecycleStage;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface MetricPoint {
  key: string;
  /** NaN and +-Infinity are kept. */
  value: number;
  step: number;
  /** ms epoch */
  timestamp: number;
}

/** One atomic write: all of it lands or none of it. */
export interface RunBatch {
  params?: Record<string, ParamValue>;
  metrics?: MetricPoint[];
  tags?: Record<string, string>;
}

export interface UpdateRunOptions {
  status?: RunStatus;
  /** null clears it; absent: now when the status leaves RUNNING, else unchanged. */
  endTime?: number | null;
  runName?: string;
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
  lifecycleStage: LifecycleStage;
  /** Who created it, when a client said so (MLflow's user_id). */
  userId?: string;
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
  experimentIds?: number[];
  /** Default 'active': soft-deleted runs are left out. */
  lifecycle?: LifecycleFilter;
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
  /** Name of the experiment, created when missing; or give experimentId of an existing one. */
  experiment?: string;
  experimentId?: number;
  /** ms epoch; default now. */
  startTime?: number;
  userId?: string | null;
  /**
   * Default true: the run records this process and host, so a run whose process died is marked KILLED.
   * A server logging for remote clients passes false.
   */
  trackProcess?: boolean;
  runName?: string;
  tags?: Record<string, string>;
  gitCommit?: string | null;
  configHash?: string | null;
  dataMd5?: string | null;
}

export interface GcOptions {
  /** ms epoch; runs started before it. */
  olderThan?: number;
  /** Default FAILED and KILLED; with `deleted`, every status. */
  statuses?: RunStatus[];
  /** Only soft-deleted runs, and olderThan counts from their deletion. */
  deleted?: boolean;
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
  /** By id (number) or name (string); EXPERIMENT_NOT_FOUND when absent. */
  getExperiment(ref: number | string): ExperimentDetail;
  /** ALREADY_EXISTS when the name is taken (deleted experiments too). */
  createExperiment(name: string, tags?: Record<string, string>): ExperimentDetail;
  /** Also moves the experiment's artifact folder. */
  renameExperiment(id: number, newName: string): void;
  /** As MLflow: deleting an experiment deletes its runs, restoring it restores them all. */
  setExperimentLifecycle(id: number, stage: LifecycleStage): void;
  setExperimentTags(id: number, tags: Record<string, string>): void;
  searchExperiments(o?: { lifecycle?: LifecycleFilter }): ExperimentDetail[];
  /** MLflow's experiment 0 ('Default'), created on first use; EXPERIMENT_NOT_FOUND if the name is taken. */
  defaultExperiment(): ExperimentDetail;
  updateRun(runId: string, o: UpdateRunOptions): RunInfo;
  setRunLifecycle(runId: string, stage: LifecycleStage): void;
  deleteTag(runId: string, key: string): void;
  logBatch(runId: string, batch: RunBatch): void;
  /** Every logged value of one metric, by step then timestamp. */
  getMetricHistory(runId: string, key: string): MetricPoint[];
  /** The latest value of each metric (highest step, then newest) for each run id. */
  latestMetrics(runIds: string[]): Record<string, MetricPoint[]>;
  close(): void;
}
