export type MetricsErrorCode =
  'USAGE' | 'GIT_FAILED' | 'UNKNOWN_REVISION' | 'NO_NODE_MODULES' | 'NX_FAILED' | 'NO_RESULTS';

/** What `cellar metrics`, `cellar plots` and `cellar report` fail with: one line for the user. */
export class MetricsError extends Error {
  readonly code: MetricsErrorCode;
  constructor(code: MetricsErrorCode, message: string) {
    super(message);
    this.name = 'MetricsError';
    this.code = code;
  }
}
