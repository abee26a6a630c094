export { ConfigError } from './config-error';
export type { ConfigErrorCode, ConfigErrorDetails } from './config-error';
export {
  composeConfig,
  flattenConfig,
  modelConfigFiles,
  listModels,
  BASE_CONFIG_FILE,
  MODEL_CONFIG_DIR,
} from './compose';
export type { ComposeOptions, ComposedConfig } from './compose';
export { loadPipelineSpec } from './pipeline-spec';
export type { PipelineSpec } from './pipeline-spec';
export { parseOverride } from './override';
export type { Override, OverrideAction } from './override';
export { loadSweep, expandSweepExpression, SWEEP_DIR } from './sweep';
export type { SweepSpec, SweepRun } from './sweep';
export { MODEL_TYPES } from './schema';
export type { CellarConfig, ModelConfig, ModelType } from './schema';
export { hashConfig } from './hash';
export { canonicalJson } from './canonical-json';
export { errorMessage } from './error-message';
