import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import { requireRun, toRunInfo } from './run-rows';
import {
  RUN_STATUSES,
  type LifecycleStage,
  type MetricPoint,
  type RunBatch,
  type RunInfo,
  type UpdateRunOptions,
} from './types';

function validateKey(kind: string, key: string, runId: string): void {
  if (typeof key !== 'string' || key.trim() === '' || key.length > 250) {
    throw new TrackingError('INVALID_NAME', `${kind} key '${key}' of run ${runId} must be 1-250 characters`, {
      key,
      runId,
    });
  }
}

export function updateRun(c: StoreConnection, runId: string, o: UpdateRunOptions): RunInfo {
  if (o.status !== undefined && !RUN_STATUSES.includes(o.status)) {
    throw new TrackingError(
      'INVALID_VALUE',
      `run ${runId}: status '${o.status}' is not one of ${RUN_STATUSES.join(', ')}`,
      { runId },
    );
  }
  if (o.endTime !== undefined && o.endTime !== null && (!Number.isSafeInteger(o.endTime) || o.endTime < 0))
    throw new TrackingError(
      'INVALID_VALUE',
      `run ${runId}: end time must be ms since the epoch (got ${o.endTime})`,
      {
        runId,
      },
    );
  if (o.runName !== undefined && (o.runName.trim() === '' || o.runName.length > 250))
    throw new TrackingError('INVALID_NAME', `run name '${o.runName}' must be 1-250 characters`, {
      key: o.runName,
      runId,
    });
  return c.guard(() => {
    c.write(() => {
      const row = requireRun(c, runId);
      const status = o.status ?? row.status;
      let endTime = o.endTime === undefined ? row.end_time : o.endTime;
      if (o.endTime === undefined && status !== 'RUNNING' && row.status === 'RUNNING') endTime = Date.now();
      if (status === 'RUNNING' && o.endTime === undefined) endTime = null;
      c.stmt(`UPDATE runs SET status = ?, end_time = ?, run_name = ? WHERE run_id = ?`).run(
        status,
        endTime,
        o.runName ?? row.run_name,
        runId,
      );
    });
    return toRunInfo(requireRun(c, runId));
  });
}

export function setRunLifecycle(c: StoreConnection, runId: string, stage: LifecycleStage): void {
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      c.stmt(`UPDATE runs SET lifecycle_stage = ?, deleted_time = ? WHERE run_id = ?`).run(
        stage,
        stage === 'deleted' ? Date.now() : null,
        runId,
      );
    }),
  );
}

export function deleteTag(c: StoreConnection, runId: string, key: string): void {
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      const result = c.stmt(`DELETE FROM tags WHERE run_id = ? AND key = ?`).run(runId, key);
      if (result.changes === 0)
        throw new TrackingError('INVALID_VALUE', `run ${runId} has no tag '${key}' to delete`, {
          runId,
          key,
        });
    }),
  );
}

/** Params, metrics and tags in one transaction, with the same rules as logParams/logMetrics/setTags. */
export function logBatch(c: StoreConnection, runId: string, batch: RunBatch): void {
  const params = Object.entries(batch.params ?? {}).map(([key, value]) => {
    validateKey('param', key, runId);
    return [key, value === null ? 'null' : String(value)] as const;
  });
  const metrics = batch.metrics ?? [];
  for (const m of metrics) {
    validateKey('metric', m.key, runId);
    if (typeof m.value !== 'number')
      throw new TrackingError(
        'INVALID_VALUE',
        `metric '${m.key}' of run ${runId} must be a number (got ${JSON.stringify(m.value)})`,
        {
          runId,
          key: m.key,
        },
      );
    if (!Number.isSafeInteger(m.step) || !Number.isSafeInteger(m.timestamp))
      throw new TrackingError(
        'INVALID_VALUE',
        `metric '${m.key}' of run ${runId}: step and timestamp must be integers (got ${m.step}, ${m.timestamp})`,
        { runId, key: m.key },
      );
  }
  const tags = Object.entries(batch.tags ?? {});
  for (const [key] of tags) validateKey('tag', key, runId);
  c.guard(() =>
    c.write(() => {
      requireRun(c, runId);
      const existing = c.stmt(`SELECT value FROM params WHERE run_id = ? AND key = ?`);
      const insertParam = c.stmt(`INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)`);
      for (const [key, value] of params) {
        const old = existing.get(runId, key) as { value: string } | undefined;
        if (old === undefined) insertParam.run(runId, key, value);
        else if (old.value !== value) {
          throw new TrackingError(
            'PARAM_IMMUTABLE',
            `param '${key}' of run ${runId} is already '${old.value}'; params are immutable (got '${value}')`,
            { runId, key },
          );
        }
      }
      const history = c.stmt(
        `INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)`,
      );
      const latest = c.stmt(
        `INSERT INTO latest_metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value, step = excluded.step, timestamp = excluded.timestamp
         WHERE excluded.step > latest_metrics.step OR (excluded.step = latest_metrics.step AND excluded.timestamp >= latest_metrics.timestamp)`,
      );
      for (const m of metrics) {
        // SQLite stores NaN as NULL (as logMetrics does); infinities are kept as REAL.
        const stored = Number.isNaN(m.value) ? null : m.value;
        history.run(runId, m.key, stored, m.step, m.timestamp);
        latest.run(runId, m.key, stored, m.step, m.timestamp);
      }
      const upsertTag = c.stmt(
        `INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value`,
      );
      for (const [key, value] of tags) upsertTag.run(runId, key, String(value));
    }),
  );
}

interface MetricRow {
  run_id: string;
  key: string;
  value: number | null;
  step: number;
  timestamp: number;
}

const toPoint = (r: MetricRow): MetricPoint => ({
  key: r.key,
  value: r.value === null ? NaN : r.value,
  step: r.step,
  timestamp: r.timestamp,
});

export function getMetricHistory(c: StoreConnection, runId: string, key: string): MetricPoint[] {
  return c.guard(() => {
    requireRun(c, runId);
    return (
      c
        .stmt(
          `SELECT run_id, key, value, step, timestamp FROM metrics WHERE run_id = ? AND key = ? ORDER BY step, timestamp, rowid`,
        )
        .all(runId, key) as MetricRow[]
    ).map(toPoint);
  });
}

export function latestMetrics(c: StoreConnection, runIds: string[]): Record<string, MetricPoint[]> {
  const out: Record<string, MetricPoint[]> = {};
  for (const id of runIds) out[id] = [];
  if (runIds.length === 0) return out;
  return c.guard(() => {
    const rows = c
      .stmt(
        `SELECT run_id, key, value, step, timestamp FROM latest_metrics WHERE run_id IN (SELECT value FROM json_each(?)) ORDER BY key`,
      )
      .all(JSON.stringify(runIds)) as MetricRow[];
    for (const r of rows) out[r.run_id]?.push(toPoint(r));
    return out;
  });
}
