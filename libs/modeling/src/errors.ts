export type ModelErrorCode =
  | 'INVALID_SPEC'
  | 'INVALID_DATA'
  | 'MISSING_FEATURE'
  | 'ARTIFACT_NOT_FOUND'
  | 'ARTIFACT_NOT_JSON'
  | 'ARTIFACT_VERSION'
  | 'ARTIFACT_KIND'
  | 'ARTIFACT_MALFORMED'
  | 'FIT_INTERRUPTED';

export interface ModelErrorDetails {
  file?: string;
  key?: string;
  column?: string;
}

/** Base error of @cellar/modeling; `code` is stable, the message is one line. */
export class ModelError extends Error {
  readonly code: ModelErrorCode;
  readonly file?: string;
  readonly key?: string;
  readonly column?: string;

  constructor(code: ModelErrorCode, message: string, details: ModelErrorDetails = {}) {
    super(message);
    this.name = 'ModelError';
    this.code = code;
    this.file = details.file;
    this.key = details.key;
    this.column = details.column;
  }
}
