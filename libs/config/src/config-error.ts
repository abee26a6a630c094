export type ConfigErrorCode =
  | 'FILE_NOT_FOUND'
  | 'YAML_SYNTAX'
  | 'YAML_ALIAS_LIMIT'
  | 'RESERVED_KEY'
  | 'NOT_A_MAPPING'
  | 'MODEL_NOT_FOUND'
  | 'DATA_NOT_FOUND'
  | 'NOT_AVAILABLE'
  | 'INVALID_NAME'
  | 'OVERRIDE_SYNTAX'
  | 'OVERRIDE_KEY_MISSING'
  | 'OVERRIDE_KEY_EXISTS'
  | 'OVERRIDE_NOT_A_MAP'
  | 'OVERRIDE_DELETE_MISMATCH'
  | 'INTERPOLATION_SYNTAX'
  | 'INTERPOLATION_MISSING_KEY'
  | 'INTERPOLATION_CYCLE'
  | 'INTERPOLATION_TYPE'
  | 'ENV_MISSING'
  | 'MANDATORY_MISSING'
  | 'INVALID_VALUE'
  | 'UNKNOWN_KEY'
  | 'PIPELINE_INVALID'
  | 'SWEEP_INVALID'
  | 'SWEEP_SYNTAX';

export interface ConfigErrorDetails {
  /** The file (relative to the root) or source label the problem comes from. */
  file?: string;
  /** Dotted key path, e.g. `model.C`. */
  key?: string;
}

/** Base error of @cellar/config; `message` is always one line. */
export class ConfigError extends Error {
  readonly code: ConfigErrorCode;
  readonly file?: string;
  readonly key?: string;

  constructor(code: ConfigErrorCode, message: string, details: ConfigErrorDetails = {}) {
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'ConfigError';
    this.code = code;
    if (details.file !== undefined) this.file = details.file;
    if (details.key !== undefined) this.key = details.key;
  }
}
