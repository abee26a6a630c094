export { TrackingError } from './errors';
export type { TrackingErrorCode, TrackingErrorDetails } from './errors';
export { openStore, DEFAULT_DB_PATH } from './store/store';
export { RUN_STATUSES } from './store/types';
export type {
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
} from './store/types';
export { trainingRun, detectGitCommit } from './run/training-run';
export { remoteTrackingFromEnv } from './remote/tracking-uri';
export type { RemoteTracking } from './remote/tracking-uri';
export type { ActiveRun, RunOutput, TrainingRunOptions } from './run/training-run';
export { parseFilter, parseOrderBy, ATTRIBUTES } from './search/parser';
export type { FilterNode, KeyRef, OrderTerm, Entity, Attribute } from './search/parser';
export { caretLine } from './search/tokenizer';
// Seeded stores for tests and benchmarks (tracking's specs, the CLI's, tools/bench).
export { FIXTURE_BASE_TIME, seedFixtureRuns } from './fixtures/fixture-runs';
export { SYNTHETIC_ALGORITHMS, seedSyntheticRuns } from './fixtures/seed-synthetic';
