import * as path from 'node:path';
import { writeFileAtomic } from '@cellar/data';
import type { RunDetail } from '@cellar/tracking';
import { openFor, reportError, requireExperiments, UsageError, type CliIo } from './runs-cli';

export interface ExportOptions {
  experiment?: string[];
  filter?: string;
  orderBy?: string[];
  max?: string;
  format: 'csv' | 'json';
  out?: string;
  verbose?: boolean;
}

/** The store's search cap; more runs than this are exported page by page. */
const PAGE = 10_000;

/** RFC 4180: quoted when it holds a comma, quote, line break or edge spaces; quotes doubled. */
export function csvField(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvNumber(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(value);
}

const iso = (ms: number | null) => (ms === null ? '' : new Date(ms).toISOString());

/** One row per run, as MLflow's search_runs frame: attributes, then metrics.*, params.*, tags.* (sorted). */
export function runsToCsv(runs: RunDetail[]): string {
  const keys = (pick: (r: RunDetail) => object) =>
    [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  const metricKeys = keys((r) => r.metrics);
  const paramKeys = keys((r) => r.params);
  const tagKeys = keys((r) => r.tags);
  const header = [
    'run_id',
    'run_name',
    'experiment',
    'status',
    'start_time',
    'end_time',
    'git_commit',
    'config_hash',
    'data_md5',
    ...metricKeys.map((k) => `metrics.${k}`),
    ...paramKeys.map((k) => `params.${k}`),
    ...tagKeys.map((k) => `tags.${k}`),
  ];
  const rows = runs.map((r) => [
    r.info.runId,
    r.info.runName,
    r.info.experimentName,
    r.info.status,
    iso(r.info.startTime),
    iso(r.info.endTime),
    r.info.gitCommit ?? '',
    r.info.configHash ?? '',
    r.info.dataMd5 ?? '',
    ...metricKeys.map((k) => csvNumber(r.metrics[k])),
    ...paramKeys.map((k) => r.params[k] ?? ''),
    ...tagKeys.map((k) => r.tags[k] ?? ''),
  ]);
  return [header, ...rows].map((row) => row.map(csvField).join(',')).join('\n') + '\n';
}

export function exportCommand(opts: ExportOptions, io: CliIo): number {
  try {
    const max = opts.max === undefined ? Infinity : Number(opts.max);
    if (opts.max !== undefined && (!Number.isInteger(max) || max < 1))
      throw new UsageError(`--max must be a positive integer (got '${opts.max}')`);
    const store = openFor(io, true);
    let runs: RunDetail[] = [];
    try {
      requireExperiments(store, opts.experiment, io);
      for (;;) {
        const page = store.searchRuns({
          experiments: opts.experiment,
          filter: opts.filter,
          orderBy: opts.orderBy,
          maxResults: Math.min(PAGE, max - runs.length),
          offset: runs.length,
        });
        runs = runs.concat(page.runs);
        if (page.runs.length === 0 || runs.length >= Math.min(max, page.total)) break;
      }
    } finally {
      store.close();
    }
    const text = opts.format === 'json' ? `${JSON.stringify(runs, null, 2)}\n` : runsToCsv(runs);
    if (opts.out === undefined) {
      io.stdout.write(text);
    } else {
      const file = path.resolve(io.cwd, opts.out);
      writeFileAtomic(file, text);
      io.stderr.write(`exported ${runs.length} run${runs.length === 1 ? '' : 's'} to ${opts.out}\n`);
    }
    return 0;
  } catch (err) {
    return reportError(err, opts.verbose === true, io, 'cellar runs export');
  }
}
