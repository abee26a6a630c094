import * as crypto from 'node:crypto';
import * as os from 'node:os';
import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import { validateExperimentName } from './experiments';
import { deadRunError, isDeadHere } from './liveness';
import { details, requireRun, resolveRun, toRunInfo } from './run-rows';
import {
  RUN_STATUSES,
  type CreateRunOptions,
  type ParamValue,
  type RunDetail,
  type RunInfo,
  type RunStatus,
} from './types';

function validateKey(kind: string, key: string, runId: string): void {
  if (key.trim() === '' || key.length > 250) {
    throw new TrackingError('INVALID_NAME', `${kind} key '${key}' of run ${runId} must be 1-250 characters`, {
      key,
      runId,
    });
  }
}

function paramText(value: ParamValue): string {
  if (value === null) return 'null';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function createRun(c: StoreConnection, o: CreateRunOptions): RunInfo {
  if (o.experimentId === undefined) validateExperimentName(o.experiment ?? '');
  const runId = crypto.randomUUID().replace(/-/g, '');
  const runName = o.runName ?? `run-${runId.slice(0, 8)}`;
  if (runName.trim() === '' || runName.length > 250) {
    throw new TrackingError('INVALID_NAME', `run name '${runName}' must be 1-250 characters`, {
      key: runName,
    });
  }
  for (const key of Object.keys(o.tags ?? {})) validateKey('tag', key, runId);
  const startTime = o.startTime ?? Date.now();
  if (!Number.isSafeInteger(startTime) || startTime < 0)
    throw new TrackingError('INVALID_VALUE', `run start time must be ms since the epoch (got ${startTime})`);
  const track = o.trackProcess !== false;
  return c.guard(() => {
    c.write(() => {
      let experimentId: number;
      if (o.experimentId !== undefined) {
        const row = c.stmt(`SELECT id FROM experiments WHERE id = ?`).get(o.experimentId) as
          { id: number } | undefined;
        if (row === undefined)
          throw new TrackingError(
            'EXPERIMENT_NOT_FOUND',
            `experiment with id ${o.experimentId} not found in ${c.display}`,
            { key: String(o.experimentId) },
          );
        experimentId = row.id;
      } else {
        c.stmt(`INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)`).run(
          o.experiment,
          Date.now(),
        );
        experimentId = (
          c.stmt(`SELECT id FROM experiments WHERE name = ?`).get(o.experiment) as { id: number }
        ).id;
      }
      c.stmt(
        `INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, git_commit, config_hash, data_md5, pid, host, user_id)
         VALUES (?, ?, ?, 'RUNNING', ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        runId,
        experimentId,
        runName,
        startTime,
        o.gitCommit ?? null,
        o.configHash ?? null,
        o.dataMd5 ?? null,
        track ? process.pid : null,
        track ? os.hostname() : null,
        o.userId ?? null,
      );
      const tag = c.stmt(
        `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
      );
      for (const [key, value] of Object.entries(o.tags ?? {})) tag.run(runId, key, String(value));
    });
    return toRunInfo(requireRun(c, runId));
  });
}

export function logParams(c: StoreConnection, runId: string, params: Record<string, ParamValue>): void {
  const entries = Object.entries(params).map(([key, value]) => {
    validateKey('param', key, runId);
    return [key, paramText(value)] as const;
  });
  if (entries.length === 0) return;
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      const existing = c.stmt(`SELECT value FROM params WHERE run_id = ? AND key = ?`);
      const insert = c.stmt(`INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)`);
      for (const [key, value] of entries) {
        const old = existing.get(runId, key) as { value: string } | undefined;
        if (old === undefined) insert.run(runId, key, value);
        else if (old.value !== value) {
          throw new TrackingError(
            'PARAM_IMMUTABLE',
            `param '${key}' of run ${runId} is already '${old.value}'; params are immutable (got '${value}')`,
            {
              runId,
              key,
            },
          );
        }
      }
    }),
  );
}

export function logMetrics(
  c: StoreConnection,
  runId: string,
  metrics: Record<string, number>,
  step = 0,
): void {
  if (!Number.isInteger(step))
    throw new TrackingError('INVALID_VALUE', `metric step of run ${runId} must be an integer (got ${step})`, {
      runId,
    });
  const entries = Object.entries(metrics);
  for (const [key, value] of entries) {
    validateKey('metric', key, runId);
    if (typeof value !== 'number') {
      throw new TrackingError(
        'INVALID_VALUE',
        `metric '${key}' of run ${runId} must be a number (got ${JSON.stringify(value)})`,
        { runId, key },
      );
    }
  }
  if (entries.length === 0) return;
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      const timestamp = Date.now();
      const history = c.stmt(
        `INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)`,
      );
      // Latest = highest step, then newest timestamp; NaN is stored as NULL.
      const latest = c.stmt(
        `INSERT INTO latest_metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
         WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`,
      );
      for (const [key, value] of entries) {
        const stored = Number.isNaN(value) ? null : value;
        history.run(runId, key, stored, step, timestamp);
        latest.run(runId, key, stored, step, timestamp);
      }
    }),
  );
}

export function setTags(c: StoreConnection, runId: string, tags: Record<string, string>): void {
  const entries = Object.entries(tags);
  for (const [key] of entries) validateKey('tag', key, runId);
  if (entries.length === 0) return;
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      const upsert = c.stmt(
        `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
      );
      for (const [key, value] of entries) upsert.run(runId, key, String(value));
    }),
  );
}

export function endRun(
  c: StoreConnection,
  runId: string,
  status: Exclude<RunStatus, 'RUNNING'>,
  error?: string,
): void {
  if (!RUN_STATUSES.includes(status) || status === ('RUNNING' as RunStatus)) {
    throw new TrackingError(
      'INVALID_VALUE',
      `run ${runId} cannot end with status '${status}'; use FINISHED, FAILED or KILLED`,
      { runId },
    );
  }
  c.guard(() =>
    c.write(() => {
      const result = c
        .stmt(`UPDATE runs SET status = ?, end_time = ?, error = ? WHERE run_id = ?`)
        .run(status, Date.now(), error ?? null, runId);
      if (result.changes === 0)
        throw new TrackingError('RUN_NOT_FOUND', `run '${runId}' not found in ${c.display}`, {
          runId,
          file: c.dbPath,
        });
    }),
  );
}

export function getRun(c: StoreConnection, runIdOrUniquePrefix: string): RunDetail {
  return c.guard(() => {
    if (!c.readonly) reapDeadRuns(c);
    const row = resolveRun(c, runIdOrUniquePrefix);
    return details(c, [row])[0];
  });
}

/**
 * RUNNING runs whose process is gone from this host never finish on their own: record them KILLED.
 * A writable store does this when opened and before each read, so no reader sees a dead run RUNNING.
 */
export function reapDeadRuns(c: StoreConnection): void {
  const rows = c
    .stmt(
      `SELECT run_id, status, pid, host FROM runs WHERE status = 'RUNNING' AND host = ? AND pid IS NOT NULL`,
    )
    .all(os.hostname()) as { run_id: string; status: string; pid: number; host: string }[];
  const dead = rows.filter(isDeadHere);
  if (dead.length === 0) return;
  c.write(() => {
    const update = c.stmt(
      `UPDATE runs SET status = 'KILLED', end_time = ?, error = ? WHERE run_id = ? AND status = 'RUNNING'`,
    );
    for (const row of dead) update.run(Date.now(), deadRunError(row.pid), row.run_id);
  });
}
