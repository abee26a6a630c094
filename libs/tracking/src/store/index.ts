// Folder entry for in-lib imports (the UI server uses '../store'); other libs use @cellar/tracking.
export { openStore, DEFAULT_DB_PATH } from './store';
export { RUN_STATUSES } from './types';
export type {
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
