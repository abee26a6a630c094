import * as fs from 'node:fs';
import { TrackingError } from '../errors';
import { folderSize } from './artifact-files';
import { runArtifactDir } from './artifacts';
import type { StoreConnection } from './connection';
import { placeholders, RUN_COLUMNS, RUN_FROM, type RunRow } from './run-rows';
import { RUN_STATUSES, type GcOptions, type GcResult } from './types';

export function gc(c: StoreConnection, o: GcOptions = {}): GcResult {
  const statuses = o.statuses ?? ['FAILED', 'KILLED'];
  for (const status of statuses) {
    if (!RUN_STATUSES.includes(status))
      throw new TrackingError(
        'INVALID_VALUE',
        `gc: unknown status '${status}'; use ${RUN_STATUSES.join(', ')}`,
      );
  }
  if (statuses.length === 0) return { runs: [], bytesFreed: 0 };
  return c.guard(() => {
    const params: unknown[] = [...statuses];
    let sql = `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.status IN (${placeholders(statuses.length)})`;
    if (o.olderThan !== undefined) {
      sql += ' AND r.start_time < ?';
      params.push(o.olderThan);
    }
    const rows = c.prepare(`${sql} ORDER BY r.start_time`).all(...params) as RunRow[];
    const bytesFreed = rows.reduce((sum, row) => sum + folderSize(runArtifactDir(c, row)), 0);
    if (!o.dryRun && rows.length > 0) {
      c.write(() => {
        const remove = c.stmt(`DELETE FROM runs WHERE run_id = ?`);
        for (const row of rows) remove.run(row.run_id);
      });
      // Rows go first: a crash here leaves orphan files, never runs pointing at missing files.
      for (const row of rows) fs.rmSync(runArtifactDir(c, row), { recursive: true, force: true });
    }
    return { runs: rows.map((row) => row.run_id), bytesFreed };
  });
}
