import { logArtifact, artifactFile } from './artifacts';
import { StoreConnection } from './connection';
import { deleteExperiment, getOrCreateExperiment, listExperiments, renameExperiment } from './experiments';
import { gc } from './gc';
import { migrate } from './migrations';
import { createRun, endRun, getRun, logMetrics, logParams, reapDeadRuns, setTags } from './runs';
import { listKeys, searchRuns } from './search';
import type {
  ArtifactInfo,
  CreateRunOptions,
  Experiment,
  GcOptions,
  GcResult,
  ParamValue,
  RunDetail,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
  SearchRunsResult,
  StoreOptions,
  TrackingStore,
} from './types';

export { DEFAULT_DB_PATH } from './connection';

/**
 * TrackingStore over SQLite. Each concern lives in its own file (experiments, runs, search,
 * artifacts, gc, migrations) as functions over one StoreConnection; this class only wires them.
 */
class SqliteTrackingStore implements TrackingStore {
  readonly dbPath: string;
  readonly artifactRoot: string;
  private readonly c: StoreConnection;

  constructor(opts: StoreOptions) {
    const c = new StoreConnection(opts);
    try {
      migrate(c);
      if (!c.readonly) reapDeadRuns(c);
    } catch (err) {
      c.close();
      throw c.translate(err);
    }
    this.c = c;
    this.dbPath = c.dbPath;
    this.artifactRoot = c.artifactRoot;
  }

  getOrCreateExperiment(name: string): Experiment {
    return getOrCreateExperiment(this.c, name);
  }
  listExperiments(): Experiment[] {
    return listExperiments(this.c);
  }
  renameExperiment(from: string, to: string): Experiment {
    return renameExperiment(this.c, from, to);
  }
  deleteExperiment(name: string): string[] {
    return deleteExperiment(this.c, name);
  }
  createRun(o: CreateRunOptions): RunInfo {
    return createRun(this.c, o);
  }
  logParams(runId: string, params: Record<string, ParamValue>): void {
    logParams(this.c, runId, params);
  }
  logMetrics(runId: string, metrics: Record<string, number>, step?: number): void {
    logMetrics(this.c, runId, metrics, step);
  }
  setTags(runId: string, tags: Record<string, string>): void {
    setTags(this.c, runId, tags);
  }
  logArtifact(runId: string, file: string, name?: string): ArtifactInfo {
    return logArtifact(this.c, runId, file, name);
  }
  artifactFile(runId: string, name: string): string {
    return artifactFile(this.c, runId, name);
  }
  endRun(runId: string, status: Exclude<RunStatus, 'RUNNING'>, error?: string): void {
    endRun(this.c, runId, status, error);
  }
  getRun(runIdOrUniquePrefix: string): RunDetail {
    return getRun(this.c, runIdOrUniquePrefix);
  }
  searchRuns(o?: SearchRunsOptions): SearchRunsResult {
    return searchRuns(this.c, o);
  }
  listParamKeys(experiments?: string[]): string[] {
    return listKeys(this.c, 'params', experiments);
  }
  listMetricKeys(experiments?: string[]): string[] {
    return listKeys(this.c, 'latest_metrics', experiments);
  }
  listTagKeys(experiments?: string[]): string[] {
    return listKeys(this.c, 'tags', experiments);
  }
  gc(o: GcOptions): GcResult {
    return gc(this.c, o);
  }
  close(): void {
    this.c.close();
  }
}

/** Opens (creating and migrating when writable) the tracking database; see StoreOptions for paths. */
export function openStore(opts: StoreOptions = {}): TrackingStore {
  return new SqliteTrackingStore(opts);
}
