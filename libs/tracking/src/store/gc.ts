import * as fs from 'node:fs';
import { TrackingError } from '../errors';
import { folderSize } from './artifact-files';
import { runArtifactDir } from './artifacts';
import type { StoreConnection } from './connection';
import { placeholders, RUN_COLUMNS, RUN_FROM, type RunRow } from './run-rows';
import { RUN_STATUSES, type GcOptions, type GcResult } from './types';

export function gc(c: StoreConnection, o: GcOptions = {}): GcResult {
  // Soft-deleted runs (the UI's or MLflow's delete) go whatever their status, as `mlflow gc` does.
  const statuses = o.statuses ?? (o.deleted ? [...RUN_STATUSES] : ['FAILED', 'KILLED']);
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
    if (o.deleted) sql += ` AND r.lifecycle_stage = 'deleted'`;
    if (o.olderThan !== undefined) {
      // a deleted run's age counts from its deletion, as MLflow's --older-than
      sql += o.deleted ? ' AND r.deleted_time < ?' : ' AND r.start_time < ?';
      params.push(o.olderThan);
    }
    const rows = c.db.prepare(`${sql} ORDER BY r.start_time`).all(...params) as RunRow[];
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
