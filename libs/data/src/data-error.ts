export type DataErrorCode =
  | 'FILE_NOT_FOUND'
  | 'EMPTY_FILE'
  | 'NO_ROWS'
  | 'INVALID_CSV'
  | 'MISSING_COLUMN'
  | 'DUPLICATE_COLUMN'
  | 'RAGGED_ROW'
  | 'NOT_A_NUMBER'
  | 'EMPTY_CELL'
  | 'MISSING_VALUE'
  | 'UNSUPPORTED_FORMAT'
  | 'INVALID_PARQUET'
  | 'INVALID_ARGUMENT'
  | 'INVALID_POINTER'
  | 'INVALID_CONFIG'
  | 'NO_REMOTE'
  | 'UNKNOWN_REMOTE'
  | 'UNSUPPORTED_REMOTE'
  | 'READ_ONLY_REMOTE'
  | 'OBJECT_NOT_FOUND'
  | 'REMOTE_FAILED'
  | 'REMOTE_NOT_FOUND'
  | 'CHECKSUM_MISMATCH'
  | 'WORKSPACE_MISMATCH'
  | 'LOCAL_CHANGES'
  | 'WORKSPACE_MISSING'
  | 'OUTSIDE_WORKSPACE'
  | 'TRANSFER_FAILED'
  | 'INVALID_DIR_OBJECT'
  | 'NOT_IN_CACHE'
  | 'REMOTE_EXISTS'
  | 'USAGE';

export interface DataErrorDetails {
  file?: string;
  row?: number;
  column?: string;
  key?: string;
  cause?: unknown;
}

export class DataError extends Error {
  readonly code: DataErrorCode;
  readonly file?: string;
  readonly row?: number;
  readonly column?: string;
  readonly key?: string;

  constructor(code: DataErrorCode, message: string, details: DataErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'DataError';
    this.code = code;
    if (details.file !== undefined) this.file = details.file;
    if (details.row !== undefined) this.row = details.row;
    if (details.column !== undefined) this.column = details.column;
    if (details.key !== undefined) this.key = details.key;
  }
}
