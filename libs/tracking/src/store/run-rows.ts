import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import { deadRunError, isDeadHere } from './liveness';
import type { RunDetail, RunInfo, RunStatus } from './types';

export interface RunRow {
  run_id: string;
  experiment_id: number;
  experiment_name: string;
  run_name: string;
  status: RunStatus;
  start_time: number;
  end_time: number | null;
  git_commit: string | null;
  config_hash: string | null;
  data_md5: string | null;
  error: string | null;
  pid: number | null;
  host: string | null;
  lifecycle_stage: 'active' | 'deleted';
  user_id: string | null;
}

export const RUN_COLUMNS = `r.run_id, r.experiment_id, e.name AS experiment_name, r.run_name, r.status, r.start_time, r.end_time,
  r.git_commit, r.config_hash, r.data_md5, r.error, r.pid, r.host, r.lifecycle_stage, r.user_id`;
export const RUN_FROM = 'runs r JOIN experiments e ON e.id = r.experiment_id';

export function toRunInfo(row: RunRow): RunInfo {
  return {
    runId: row.run_id,
    experimentId: row.experiment_id,
    experimentName: row.experiment_name,
    runName: row.run_name,
    status: row.status,
    startTime: row.start_time,
    endTime: row.end_time,
    gitCommit: row.git_commit,
    configHash: row.config_hash,
    dataMd5: row.data_md5,
    error: row.error,
    lifecycleStage: row.lifecycle_stage,
    ...(row.user_id === null ? {} : { userId: row.user_id }),
  };
}

/** What a read-only store says of a run whose process died: what the next writer will record. */
function staleInfo(row: RunRow): RunInfo {
  return { ...toRunInfo(row), status: 'KILLED', error: deadRunError(row.pid!), stale: true };
}

export function placeholders(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}

/** The run row for an exact id, a unique id prefix or a unique run name. */
export function resolveRun(c: StoreConnection, ref: string): RunRow {
  const wanted = String(ref).trim();
  const exact = c
    .stmt(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.run_id = ?`)
    .get(wanted.toLowerCase()) as RunRow | undefined;
  if (exact !== undefined) return exact;
  let matches: RunRow[] = [];
  if (/^[0-9a-f]{1,31}$/i.test(wanted)) {
    const prefix = wanted.toLowerCase();
    // A range scan uses the primary key; LIKE would not (it is case-insensitive).
    matches = c
      .stmt(
        `SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.run_id >= ? AND r.run_id < ? ORDER BY r.start_time LIMIT 6`,
      )
      .all(prefix, `${prefix}g`) as RunRow[];
  }
  if (matches.length === 0 && wanted !== '') {
    matches = c
      .stmt(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.run_name = ? ORDER BY r.start_time LIMIT 6`)
      .all(wanted) as RunRow[];
  }
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    const listed = matches
      .slice(0, 5)
      .map((m) => `${m.run_id.slice(0, 12)} (${m.run_name})`)
      .join(', ');
    throw new TrackingError(
      'AMBIGUOUS_RUN',
      `run '${wanted}' is ambiguous in ${c.display} (matches ${listed}${matches.length > 5 ? ', ...' : ''}); give more characters of the id`,
      {
        runId: wanted,
      },
    );
  }
  throw new TrackingError('RUN_NOT_FOUND', `run '${wanted}' not found in ${c.display}`, {
    runId: wanted,
    file: c.dbPath,
  });
}

export function requireRun(c: StoreConnection, runId: string): RunRow {
  const row = c.stmt(`SELECT ${RUN_COLUMNS} FROM ${RUN_FROM} WHERE r.run_id = ?`).get(runId) as
    RunRow | undefined;
  if (row === undefined)
    throw new TrackingError('RUN_NOT_FOUND', `run '${runId}' not found in ${c.display}`, {
      runId,
      file: c.dbPath,
    });
  return row;
}

/** Params, metrics, tags and artifacts for a page of runs: one query per table. */
export function details(c: StoreConnection, rows: RunRow[]): RunDetail[] {
  const byId = new Map<string, RunDetail>();
  const out = rows.map((row) => {
    // A writable store has marked dead runs KILLED before reading (reapDeadRuns); a read-only one can't.
    const info = c.readonly && isDeadHere(row) ? staleInfo(row) : toRunInfo(row);
    const detail: RunDetail = { info, params: {}, metrics: {}, tags: {}, artifacts: [] };
    byId.set(row.run_id, detail);
    return detail;
  });
  if (rows.length === 0) return out;
  const ids = JSON.stringify(rows.map((r) => r.run_id));
  const inIds = `run_id IN (SELECT value FROM json_each(?))`;
  for (const p of c.stmt(`SELECT run_id, key, value FROM params WHERE ${inIds} ORDER BY key`).all(ids) as {
    run_id: string;
    key: string;
    value: string;
  }[]) {
    byId.get(p.run_id)!.params[p.key] = p.value;
  }
  for (const m of c
    .stmt(`SELECT run_id, key, value FROM latest_metrics WHERE ${inIds} ORDER BY key`)
    .all(ids) as {
    run_id: string;
    key: string;
    value: number | null;
  }[]) {
    byId.get(m.run_id)!.metrics[m.key] = m.value === null ? NaN : m.value;
  }
  for (const t of c.stmt(`SELECT run_id, key, value FROM tags WHERE ${inIds} ORDER BY key`).all(ids) as {
    run_id: string;
    key: string;
    value: string;
  }[]) {
    byId.get(t.run_id)!.tags[t.key] = t.value;
  }
  for (const a of c
    .stmt(`SELECT run_id, path, size, sha256 FROM artifacts WHERE ${inIds} ORDER BY path`)
    .all(ids) as {
    run_id: string;
    path: string;
    size: number;
    sha256: string;
  }[]) {
    byId.get(a.run_id)!.artifacts.push({ path: a.path, size: a.size, sha256: a.sha256 });
  }
  return out;
}
