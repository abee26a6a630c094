import { logArtifact, artifactFile } from './artifacts';
import { StoreConnection } from './connection';
import { getOrCreateExperiment, listExperiments } from './experiments';
import {
  createExperiment,
  defaultExperiment,
  getExperiment,
  renameExperiment,
  searchExperiments,
  setExperimentLifecycle,
  setExperimentTags,
} from './experiment-admin';
import { gc } from './gc';
import { migrate } from './migrations';
import { createRun, endRun, getRun, logMetrics, logParams, reapDeadRuns, setTags } from './runs';
import {
  deleteTag,
  getMetricHistory,
  latestMetrics,
  logBatch,
  setRunLifecycle,
  updateRun,
} from './run-admin';
import { listKeys, searchRuns } from './search';
import type {
  ArtifactInfo,
  CreateRunOptions,
  Experiment,
  ExperimentDetail,
  GcOptions,
  LifecycleFilter,
  LifecycleStage,
  MetricPoint,
  RunBatch,
  UpdateRunOptions,
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
  getExperiment(ref: number | string): ExperimentDetail {
    return getExperiment(this.c, ref);
  }
  createExperiment(name: string, tags?: Record<string, string>): ExperimentDetail {
    return createExperiment(this.c, name, tags);
  }
  renameExperiment(id: number, newName: string): void {
    renameExperiment(this.c, id, newName);
  }
  setExperimentLifecycle(id: number, stage: LifecycleStage): void {
    setExperimentLifecycle(this.c, id, stage);
  }
  setExperimentTags(id: number, tags: Record<string, string>): void {
    setExperimentTags(this.c, id, tags);
  }
  searchExperiments(o?: { lifecycle?: LifecycleFilter }): ExperimentDetail[] {
    return searchExperiments(this.c, o);
  }
  defaultExperiment(): ExperimentDetail {
    return defaultExperiment(this.c);
  }
  updateRun(runId: string, o: UpdateRunOptions): RunInfo {
    return updateRun(this.c, runId, o);
  }
  setRunLifecycle(runId: string, stage: LifecycleStage): void {
    setRunLifecycle(this.c, runId, stage);
  }
  deleteTag(runId: string, key: string): void {
    deleteTag(this.c, runId, key);
  }
  logBatch(runId: string, batch: RunBatch): void {
    logBatch(this.c, runId, batch);
  }
  getMetricHistory(runId: string, key: string): MetricPoint[] {
    return getMetricHistory(this.c, runId, key);
  }
  latestMetrics(runIds: string[]): Record<string, MetricPoint[]> {
    return latestMetrics(this.c, runIds);
  }
  close(): void {
    this.c.close();
  }
}

/** Opens (creating and migrating when writable) the tracking database; see StoreOptions for paths. */
export function openStore(opts: StoreOptions = {}): TrackingStore {
  return new SqliteTrackingStore(opts);
}
