import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import type { Experiment } from './types';

export function validateExperimentName(name: string): void {
  if (
    typeof name !== 'string' ||
    name.trim() === '' ||
    name !== name.trim() ||
    name === '.' ||
    name === '..' ||
    /[/\\]/.test(name) ||
    [...name].some((ch) => ch.charCodeAt(0) < 32) ||
    name.length > 200
  ) {
    throw new TrackingError(
      'INVALID_NAME',
      `experiment name '${name}' is invalid; use 1-200 characters without '/', '\\', control characters or surrounding spaces`,
      {
        key: String(name),
      },
    );
  }
}

function experimentRow(c: StoreConnection, name: string): Experiment | undefined {
  const row = c
    .stmt(
      `SELECT e.id, e.name, e.created_at, (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count FROM experiments e WHERE e.name = ?`,
    )
    .get(name) as { id: number; name: string; created_at: number; run_count: number } | undefined;
  return row && { id: row.id, name: row.name, createdAt: row.created_at, runCount: row.run_count };
}

export function getOrCreateExperiment(c: StoreConnection, name: string): Experiment {
  validateExperimentName(name);
  return c.guard(() => {
    const found = experimentRow(c, name);
    if (found !== undefined || c.readonly) {
      if (found === undefined)
        throw new TrackingError('EXPERIMENT_NOT_FOUND', `experiment '${name}' not found in ${c.display}`, {
          key: name,
        });
      return found;
    }
    return c.write(() => {
      c.stmt(`INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)`).run(name, Date.now());
      return experimentRow(c, name)!;
    });
  });
}

export function listExperiments(c: StoreConnection): Experiment[] {
  return c.guard(() =>
    (
      c
        .stmt(
          `SELECT e.id, e.name, e.created_at, count(r.run_id) AS run_count FROM experiments e LEFT JOIN runs r ON r.experiment_id = e.id GROUP BY e.id ORDER BY e.name`,
        )
        .all() as { id: number; name: string; created_at: number; run_count: number }[]
    ).map((row) => ({ id: row.id, name: row.name, createdAt: row.created_at, runCount: row.run_count })),
  );
}
