import { errorMessage } from '@cellar/config';
import { TrackingError } from '../errors';

export const BUSY_TIMEOUT_MS = 10_000;

export function sqliteCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown })?.code;
  return typeof code === 'string' ? code : undefined;
}

/** A file-system error on a store path as a one-line TrackingError. */
export function translateFsError(err: unknown, shown: string): TrackingError {
  const code = sqliteCode(err);
  if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
    return new TrackingError(
      'READ_ONLY',
      `${shown} is read-only (${code}); make it writable or open the store with readonly: true`,
      { file: shown, cause: err },
    );
  }
  if (code === 'ENOSPC')
    return new TrackingError(
      'DISK_FULL',
      `${shown}: no space left on device (ENOSPC); free space and retry`,
      { file: shown, cause: err },
    );
  return new TrackingError('DATABASE_ERROR', `${shown}: ${errorMessage(err)}`, { file: shown, cause: err });
}

/** Any error from SQLite or the file system as a one-line TrackingError naming the database. */
export function translateError(err: unknown, display: string, dbPath: string): Error {
  if (err instanceof TrackingError) return err;
  const code = sqliteCode(err);
  if (code === undefined || !code.startsWith('SQLITE')) {
    if (code !== undefined && code.startsWith('E')) return translateFsError(err, display);
    return err instanceof Error ? err : new Error(String(err));
  }
  const reason = errorMessage(err);
  const details = { file: dbPath, cause: err };
  if (code === 'SQLITE_NOTADB' || code.startsWith('SQLITE_CORRUPT')) {
    return new TrackingError(
      'NOT_A_DATABASE',
      `${display} is not a Cellar tracking database (${reason})`,
      details,
    );
  }
  if (code.startsWith('SQLITE_READONLY')) {
    return new TrackingError(
      'READ_ONLY',
      `${display} is read-only (${reason}); make it writable or open the store with readonly: true`,
      details,
    );
  }
  if (code === 'SQLITE_FULL' || code === 'SQLITE_IOERR_WRITE') {
    return new TrackingError(
      'DISK_FULL',
      `${display}: cannot write (${reason}); free disk space and retry`,
      details,
    );
  }
  if (code.startsWith('SQLITE_CANTOPEN')) {
    return new TrackingError(
      'DATABASE_ERROR',
      `cannot open ${display} (${reason}); check that its folder exists and is writable`,
      details,
    );
  }
  if (code.startsWith('SQLITE_BUSY')) {
    return new TrackingError(
      'DATABASE_ERROR',
      `${display} stayed locked for ${BUSY_TIMEOUT_MS / 1000} s (${reason}); another process holds a long transaction`,
      details,
    );
  }
  return new TrackingError('DATABASE_ERROR', `${display}: ${reason}`, details);
}
