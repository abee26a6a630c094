export type TrackingErrorCode =
  | 'RUN_NOT_FOUND'
  | 'AMBIGUOUS_RUN'
  | 'EXPERIMENT_NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_REJECTED'
  | 'INVALID_NAME'
  | 'INVALID_VALUE'
  | 'PARAM_IMMUTABLE'
  | 'RUN_NOT_ACTIVE'
  | 'NOT_A_DATABASE'
  | 'NO_DATABASE'
  | 'SCHEMA_TOO_NEW'
  | 'SCHEMA_OUTDATED'
  | 'READ_ONLY'
  | 'DISK_FULL'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_FAILED'
  | 'INVALID_FILTER'
  | 'INVALID_ORDER'
  | 'DATABASE_ERROR'
  | 'USAGE';

export interface TrackingErrorDetails {
  file?: string;
  key?: string;
  runId?: string;
  /** 1-based column in a filter or order-by expression. */
  column?: number;
  /** The expression and a caret under the column, for the CLI. */
  caret?: string;
  cause?: unknown;
}

export class TrackingError extends Error {
  readonly code: TrackingErrorCode;
  readonly file?: string;
  readonly key?: string;
  readonly runId?: string;
  readonly column?: number;
  readonly caret?: string;

  constructor(code: TrackingErrorCode, message: string, details: TrackingErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'TrackingError';
    this.code = code;
    if (details.file !== undefined) this.file = details.file;
    if (details.key !== undefined) this.key = details.key;
    if (details.runId !== undefined) this.runId = details.runId;
    if (details.column !== undefined) this.column = details.column;
    if (details.caret !== undefined) this.caret = details.caret;
  }
}
