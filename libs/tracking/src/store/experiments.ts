import * as fs from 'node:fs';
import * as path from 'node:path';
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

function requireExperiment(c: StoreConnection, name: string): Experiment {
  const found = experimentRow(c, name);
  if (found === undefined)
    throw new TrackingError('EXPERIMENT_NOT_FOUND', `experiment '${name}' not found in ${c.display}`, {
      key: name,
    });
  return found;
}

/** Renames the row and moves the artifact folder, which is named after the experiment. */
export function renameExperiment(c: StoreConnection, from: string, to: string): Experiment {
  validateExperimentName(to);
  return c.guard(() => {
    const found = requireExperiment(c, from);
    if (experimentRow(c, to) !== undefined)
      throw new TrackingError(
        'INVALID_NAME',
        `experiment '${to}' already exists in ${c.display}; pick another name`,
        {
          key: to,
        },
      );
    const oldDir = path.join(c.artifactRoot, from);
    const newDir = path.join(c.artifactRoot, to);
    if (fs.existsSync(newDir))
      throw new TrackingError(
        'INVALID_NAME',
        `artifact folder ${newDir} already exists; move it away first`,
        {
          key: to,
          file: newDir,
        },
      );
    c.write(() => {
      c.stmt(`UPDATE experiments SET name = ? WHERE id = ?`).run(to, found.id);
      // Inside the transaction: a failed move rolls the rename back.
      if (fs.existsSync(oldDir)) fs.renameSync(oldDir, newDir);
    });
    return { ...found, name: to };
  });
}

/** Deletes the experiment, its runs and their artifact folder; returns the ids of the runs removed. */
export function deleteExperiment(c: StoreConnection, name: string): string[] {
  return c.guard(() => {
    const found = requireExperiment(c, name);
    const runs = (
      c.stmt(`SELECT run_id FROM runs WHERE experiment_id = ?`).all(found.id) as { run_id: string }[]
    ).map((r) => r.run_id);
    c.write(() => {
      c.stmt(`DELETE FROM runs WHERE experiment_id = ?`).run(found.id);
      c.stmt(`DELETE FROM experiments WHERE id = ?`).run(found.id);
    });
    // Rows go first, as in gc: a crash here leaves orphan files, never runs pointing at missing files.
    fs.rmSync(path.join(c.artifactRoot, name), { recursive: true, force: true });
    return runs;
  });
}
