import * as os from 'node:os';
import { sqliteCode } from './sqlite-errors';

export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return sqliteCode(err) === 'EPERM';
  }
}

/** A RUNNING run opened by a process of this host that no longer runs: it will never finish. */
export function isDeadHere(row: { status: string; pid: number | null; host: string | null }): boolean {
  return (
    row.status === 'RUNNING' &&
    row.pid !== null &&
    row.host === os.hostname() &&
    row.pid !== process.pid &&
    !isProcessAlive(row.pid)
  );
}

export function deadRunError(pid: number): string {
  return `process ${pid} on ${os.hostname()} ended without finishing the run`;
}
