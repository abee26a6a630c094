export { ConfigError } from './config-error';
export type { ConfigErrorCode, ConfigErrorDetails } from './config-error';
export {
  composeConfig,
  flattenConfig,
  modelConfigFiles,
  listModels,
  BASE_CONFIG_FILE,
  DEFAULT_CONFIG_DIR,
  MODEL_CONFIG_DIR,
} from './compose';
export type { ComposeOptions, ComposedConfig } from './compose';
export { loadPipelineSpec } from './pipeline-spec';
export type { PipelineSpec } from './pipeline-spec';
export { parseOverride } from './override';
export type { Override, OverrideAction } from './override';
export { loadSweep, expandSweepExpression, sweepPointId, SWEEP_DIR } from './sweep';
export type { SweepSpec, SweepRun } from './sweep';
export type { CellarConfig } from './schema';
export {
  assertDataName,
  dataConfigFile,
  listDatasets,
  selectDataset,
  DATA_DELIMITERS,
  MISSING_POLICIES,
  SPLIT_METHODS,
} from './data-config';
export type { DataDelimiter, DataSpec, MissingPolicy, SplitMethod } from './data-config';
export { MODEL_SCHEMAS, MODEL_TYPES, checkModelSpec, modelKeys, modelSchema } from './models/registry';
export type { ModelSpec, ModelSpecCheck, ModelType } from './models/registry';
export type { LogregSpec } from './models/logreg';
export type { RandomForestSpec } from './models/random-forest';
export type { GradientBoostingSpec } from './models/gradient-boosting';
export { hashConfig } from './hash';
export { canonicalJson } from './canonical-json';
export { errorMessage } from './error-message';
