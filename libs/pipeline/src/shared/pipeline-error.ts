export type PipelineErrorCode =
  | 'DATA_MISSING'
  | 'INPUT_MISSING'
  | 'DATA_DRIFT'
  | 'STALE_MODEL'
  | 'REPORT_MISSING'
  | 'WEBHOOK_URL'
  | 'WEBHOOK_FAILED'
  | 'SWEEP_FAILED'
  | 'SWEEP_INTERRUPTED';

export interface PipelineErrorDetails {
  /** The file the problem is about, relative to the workspace root. */
  file?: string;
}

/** Base error of @cellar/pipeline; `code` is stable, the message is one line. */
export class PipelineError extends Error {
  readonly code: PipelineErrorCode;
  readonly file?: string;

  constructor(code: PipelineErrorCode, message: string, details: PipelineErrorDetails = {}) {
    super(message);
    this.name = 'PipelineError';
    this.code = code;
    if (details.file !== undefined) this.file = details.file;
  }
}

/** The tracked dataset (the config's data.path) is not in the workspace: it has not been pulled. */
export function dataMissingError(dataPath: string): PipelineError {
  return new PipelineError(
    'DATA_MISSING',
    `${dataPath} does not exist: run 'npx nx run data:pull' (or 'npx cellar data pull') to fetch it`,
    { file: dataPath },
  );
}
