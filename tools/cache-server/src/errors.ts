export type CacheServerErrorCode =
  | 'BAD_OPTION'
  | 'NO_TOKENS'
  | 'TOKENS_FILE'
  | 'STORAGE'
  | 'BODY_TOO_LARGE'
  | 'UPLOAD_ABORTED'
  | 'BAD_ARCHIVE';

/** Base error of @cellar/cache-server; `message` is one line meant for the operator. */
export class CacheServerError extends Error {
  readonly code: CacheServerErrorCode;
  readonly file?: string;
  readonly key?: string;

  constructor(code: CacheServerErrorCode, message: string, where: { file?: string; key?: string } = {}) {
    super(message);
    this.name = 'CacheServerError';
    this.code = code;
    this.file = where.file;
    this.key = where.key;
  }
}
