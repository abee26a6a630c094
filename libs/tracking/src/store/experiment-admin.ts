import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import { validateExperimentName } from './experiments';
import type { ExperimentDetail, LifecycleFilter, LifecycleStage } from './types';

interface ExperimentRow {
  id: number;
  name: string;
  created_at: number;
  run_count: number;
  lifecycle_stage: LifecycleStage;
  last_update_time: number | null;
}

const SELECT = `SELECT e.id, e.name, e.created_at, e.lifecycle_stage, e.last_update_time,
  (SELECT count(*) FROM runs r WHERE r.experiment_id = e.id) AS run_count FROM experiments e`;

function withTags(c: StoreConnection, rows: ExperimentRow[]): ExperimentDetail[] {
  const out = rows.map((row): ExperimentDetail => ({
    id: row.id,
    name: row.name,
    createdAt: row.created_at,
    runCount: row.run_count,
    lifecycleStage: row.lifecycle_stage,
    lastUpdateTime: row.last_update_time ?? row.created_at,
    tags: {},
  }));
  const byId = new Map(out.map((e) => [e.id, e]));
  if (out.length === 0) return out;
  const tags = c
    .stmt(
      `SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each(?)) ORDER BY key`,
    )
    .all(JSON.stringify(out.map((e) => e.id))) as { experiment_id: number; key: string; value: string }[];
  for (const t of tags) byId.get(t.experiment_id)!.tags[t.key] = t.value;
  return out;
}

function notFound(c: StoreConnection, ref: number | string): TrackingError {
  const what = typeof ref === 'number' ? `with id ${ref}` : `'${ref}'`;
  return new TrackingError('EXPERIMENT_NOT_FOUND', `experiment ${what} not found in ${c.display}`, {
    key: String(ref),
  });
}

export function getExperiment(c: StoreConnection, ref: number | string): ExperimentDetail {
  return c.guard(() => {
    const row = c.stmt(`${SELECT} WHERE ${typeof ref === 'number' ? 'e.id' : 'e.name'} = ?`).get(ref) as
      ExperimentRow | undefined;
    if (row === undefined) throw notFound(c, ref);
    return withTags(c, [row])[0];
  });
}

export function createExperiment(
  c: StoreConnection,
  name: string,
  tags: Record<string, string> = {},
): ExperimentDetail {
  validateExperimentName(name);
  for (const key of Object.keys(tags)) validateTagKey(key, name);
  return c.guard(() => {
    const id = c.write(() => {
      if (c.stmt(`SELECT 1 FROM experiments WHERE name = ?`).get(name) !== undefined) {
        throw new TrackingError(
          'ALREADY_EXISTS',
          `experiment '${name}' already exists in ${c.display} (perhaps deleted: restore it or pick another name)`,
          { key: name },
        );
      }
      const now = Date.now();
      const result = c
        .stmt(`INSERT INTO experiments (name, created_at, last_update_time) VALUES (?, ?, ?)`)
        .run(name, now, now);
      const newId = Number(result.lastInsertRowid);
      insertTags(c, newId, tags);
      return newId;
    });
    return getExperiment(c, id);
  });
}

function validateTagKey(key: string, experiment: string | number): void {
  if (key.trim() === '' || key.length > 250) {
    throw new TrackingError(
      'INVALID_NAME',
      `tag key '${key}' of experiment ${experiment} must be 1-250 characters`,
      { key },
    );
  }
}

function insertTags(c: StoreConnection, id: number, tags: Record<string, string>): void {
  const upsert = c.stmt(
    `INSERT INTO experiment_tags (experiment_id, key, value) VALUES (?, ?, ?) ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value`,
  );
  for (const [key, value] of Object.entries(tags)) upsert.run(id, key, String(value));
}

function requireExperiment(c: StoreConnection, id: number): ExperimentRow {
  const row = c.stmt(`${SELECT} WHERE e.id = ?`).get(id) as ExperimentRow | undefined;
  if (row === undefined) throw notFound(c, id);
  return row;
}

export function renameExperiment(c: StoreConnection, id: number, newName: string): void {
  validateExperimentName(newName);
  c.guard(() =>
    c.write(() => {
      const row = requireExperiment(c, id);
      if (row.name === newName) return;
      if (c.stmt(`SELECT 1 FROM experiments WHERE name = ?`).get(newName) !== undefined) {
        throw new TrackingError('ALREADY_EXISTS', `experiment '${newName}' already exists in ${c.display}`, {
          key: newName,
        });
      }
      // Artifacts live under <artifactRoot>/<experiment name>/<run id>: they move with the name.
      const from = path.join(c.artifactRoot, row.name);
      const to = path.join(c.artifactRoot, newName);
      if (fs.existsSync(to)) {
        throw new TrackingError(
          'ALREADY_EXISTS',
          `cannot rename experiment '${row.name}' to '${newName}': artifact folder ${to} already exists; move it away first`,
          { key: newName, file: to },
        );
      }
      c.stmt(`UPDATE experiments SET name = ?, last_update_time = ? WHERE id = ?`).run(
        newName,
        Date.now(),
        id,
      );
      if (fs.existsSync(from)) fs.renameSync(from, to);
    }),
  );
}

export function setExperimentLifecycle(c: StoreConnection, id: number, stage: LifecycleStage): void {
  c.guard(() =>
    c.write(() => {
      const row = requireExperiment(c, id);
      if (row.lifecycle_stage === stage) return;
      const now = Date.now();
      c.stmt(`UPDATE experiments SET lifecycle_stage = ?, last_update_time = ? WHERE id = ?`).run(
        stage,
        now,
        id,
      );
      if (stage === 'deleted') {
        c.stmt(
          `UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE experiment_id = ? AND lifecycle_stage = 'active'`,
        ).run(now, id);
      } else {
        // As MLflow's SQL store does: restoring an experiment restores all of its runs.
        c.stmt(
          `UPDATE runs SET lifecycle_stage = 'active', deleted_time = NULL WHERE experiment_id = ? AND lifecycle_stage = 'deleted'`,
        ).run(id);
      }
    }),
  );
}

export function setExperimentTags(c: StoreConnection, id: number, tags: Record<string, string>): void {
  for (const key of Object.keys(tags)) validateTagKey(key, id);
  c.guard(() =>
    c.write(() => {
      requireExperiment(c, id);
      insertTags(c, id, tags);
      c.stmt(`UPDATE experiments SET last_update_time = ? WHERE id = ?`).run(Date.now(), id);
    }),
  );
}

export function searchExperiments(
  c: StoreConnection,
  o: { lifecycle?: LifecycleFilter } = {},
): ExperimentDetail[] {
  const lifecycle = o.lifecycle ?? 'active';
  return c.guard(() => {
    const rows = (
      lifecycle === 'all'
        ? c.stmt(`${SELECT} ORDER BY e.id`).all()
        : c.stmt(`${SELECT} WHERE e.lifecycle_stage = ? ORDER BY e.id`).all(lifecycle)
    ) as ExperimentRow[];
    return withTags(c, rows);
  });
}

/** MLflow's experiment 0, 'Default', where clients log when no experiment is set; made on first use. */
export function defaultExperiment(c: StoreConnection): ExperimentDetail {
  return c.guard(() => {
    const found = c.stmt(`${SELECT} WHERE e.id = 0`).get() as ExperimentRow | undefined;
    if (found !== undefined) return withTags(c, [found])[0];
    c.write(() => {
      const now = Date.now();
      c.stmt(
        `INSERT OR IGNORE INTO experiments (id, name, created_at, last_update_time) VALUES (0, 'Default', ?, ?)`,
      ).run(now, now);
    });
    return getExperiment(c, 0);
  });
}
