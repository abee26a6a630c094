import { errorMessage } from '@cellar/config';
import { TrackingError } from '@cellar/tracking';

/** MLflow's error codes as this server answers them (databricks ErrorCode names). */
export type MlflowErrorCode =
  | 'INVALID_PARAMETER_VALUE'
  | 'RESOURCE_DOES_NOT_EXIST'
  | 'RESOURCE_ALREADY_EXISTS'
  | 'ENDPOINT_NOT_FOUND'
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'PERMISSION_DENIED'
  | 'INTERNAL_ERROR';

const STATUS: Record<MlflowErrorCode, number> = {
  INVALID_PARAMETER_VALUE: 400,
  RESOURCE_DOES_NOT_EXIST: 404,
  RESOURCE_ALREADY_EXISTS: 400,
  ENDPOINT_NOT_FOUND: 404,
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  PERMISSION_DENIED: 403,
  INTERNAL_ERROR: 500,
};

/** Answered as `{ error_code, message }` with MLflow's HTTP status for the code. */
export class MlflowApiError extends Error {
  readonly status: number;
  constructor(
    readonly errorCode: MlflowErrorCode,
    message: string,
    status?: number,
  ) {
    super(message);
    this.status = status ?? STATUS[errorCode];
  }
}

export const invalid = (message: string): MlflowApiError =>
  new MlflowApiError('INVALID_PARAMETER_VALUE', message);

const NOT_FOUND = new Set(['RUN_NOT_FOUND', 'EXPERIMENT_NOT_FOUND', 'ARTIFACT_NOT_FOUND']);
const CLIENT = new Set([
  'INVALID_FILTER',
  'INVALID_ORDER',
  'INVALID_NAME',
  'INVALID_VALUE',
  'PARAM_IMMUTABLE',
  'AMBIGUOUS_RUN',
  'RUN_NOT_ACTIVE',
  'USAGE',
]);

export function toMlflowError(err: unknown): MlflowApiError {
  if (err instanceof MlflowApiError) return err;
  const message = errorMessage(err).split('\n')[0];
  if (err instanceof TrackingError) {
    if (NOT_FOUND.has(err.code)) return new MlflowApiError('RESOURCE_DOES_NOT_EXIST', message);
    if (err.code === 'ALREADY_EXISTS') return new MlflowApiError('RESOURCE_ALREADY_EXISTS', message);
    if (CLIENT.has(err.code)) return invalid(message);
    if (err.code === 'READ_ONLY') return new MlflowApiError('PERMISSION_DENIED', message);
  }
  return new MlflowApiError('INTERNAL_ERROR', `internal error: ${message}`);
}
