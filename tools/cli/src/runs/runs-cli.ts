import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs, ParseArgsConfig } from 'node:util';
import { errorMessage } from '@cellar/config';
import {
  DEFAULT_DB_PATH,
  isPostgresUri,
  openStore,
  parseOrderBy,
  RUN_STATUSES,
  TrackingError,
  type RunDetail,
  type RunStatus,
  type TrackingStore,
} from '@cellar/tracking';
import {
  Column,
  fitCellWidth,
  formatBytes,
  formatDuration,
  formatNumber,
  formatStatus,
  formatTable,
  formatTime,
  shortId,
  truncate,
} from './format';
import type { Colors } from 'picocolors/types';
import { colorsFor, statusPainter } from '../color';

export interface CliIo {
  /** isTTY (with NO_COLOR unset) turns colours on. */
  stdout: { write(chunk: string): unknown; isTTY?: boolean };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
  /** Terminal width for output that fits it (runs compare); default process.stdout.columns, then 100. */
  columns?: number;
}

export class UsageError extends Error {}

const DEFAULT_LS_MAX = 50;
const DEFAULT_WIDTH = 100;
const AUTO_METRIC_COLUMNS = 4;
const AUTO_PARAM_COLUMNS = 3;

/** The folder holding nx.json above cwd, so `cellar runs` works from any project folder. */
function findWorkspaceRoot(cwd: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return path.resolve(cwd);
    dir = parent;
  }
}

export function openFor(io: CliIo, readonly: boolean): TrackingStore {
  const root = findWorkspaceRoot(io.cwd);
  // A postgresql:// URI is the PostgreSQL store; artifacts stay under the workspace's mlruns/.
  if (isPostgresUri(io.env.CELLAR_TRACKING_DB))
    return openStore({
      root,
      uri: io.env.CELLAR_TRACKING_DB,
      artifactRoot: io.env.CELLAR_ARTIFACT_ROOT,
      readonly,
    });
  const dbPath = path.resolve(root, io.env.CELLAR_TRACKING_DB || DEFAULT_DB_PATH);
  const artifactRoot = path.resolve(
    root,
    io.env.CELLAR_ARTIFACT_ROOT || path.join(path.dirname(dbPath), 'artifacts'),
  );
  return openStore({ root, dbPath, artifactRoot, readonly });
}

interface ParsedArgs {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

function parse(args: string[], options: ParseArgsConfig['options'], allowPositionals: boolean): ParsedArgs {
  try {
    const parsed = parseArgs({
      args,
      options: { ...options, verbose: { type: 'boolean' } },
      allowPositionals,
      strict: true,
    });
    return { values: parsed.values as ParsedArgs['values'], positionals: parsed.positionals };
  } catch (err) {
    throw new UsageError(errorMessage(err).split('\n')[0]);
  }
}

// ---- columns for ls ----

interface LsColumn extends Column {
  value(run: RunDetail): string;
}

function attributeColumn(name: string): LsColumn | undefined {
  switch (name) {
    case 'id':
      return { header: 'ID', value: (r) => shortId(r.info.runId) };
    case 'run_id':
      return { header: 'RUN ID', value: (r) => r.info.runId };
    case 'run_name':
    case 'name':
      return { header: 'NAME', value: (r) => r.info.runName };
    case 'status':
      return { header: 'STATUS', value: (r) => formatStatus(r.info) };
    case 'experiment':
      return { header: 'EXPERIMENT', value: (r) => r.info.experimentName };
    case 'start_time':
    case 'start':
      return { header: 'START (UTC)', value: (r) => formatTime(r.info.startTime) };
    case 'end_time':
    case 'end':
      return { header: 'END (UTC)', value: (r) => formatTime(r.info.endTime) };
    case 'duration':
      return {
        header: 'DURATION',
        align: 'right',
        value: (r) => formatDuration(r.info.startTime, r.info.endTime),
      };
    case 'git_commit':
      return { header: 'GIT', value: (r) => (r.info.gitCommit ?? '-').slice(0, 12) };
    case 'config_hash':
      return { header: 'CONFIG', value: (r) => r.info.configHash ?? '-' };
    case 'data_md5':
      return { header: 'DATA MD5', value: (r) => r.info.dataMd5 ?? '-' };
    case 'error':
      return { header: 'ERROR', value: (r) => r.info.error ?? '-' };
    default:
      return undefined;
  }
}

function keyColumn(entity: 'metric' | 'param' | 'tag', key: string): LsColumn {
  if (entity === 'metric') return { header: key, align: 'right', value: (r) => formatNumber(r.metrics[key]) };
  if (entity === 'param') return { header: key, value: (r) => r.params[key] ?? '-' };
  return { header: `tags.${key}`, value: (r) => r.tags[key] ?? '-' };
}

function parseColumns(spec: string): LsColumn[] {
  return spec
    .split(',')
    .map((c) => c.trim())
    .filter((c) => c !== '')
    .map((c) => {
      const attribute = attributeColumn(c);
      if (attribute !== undefined) return attribute;
      let ref;
      try {
        ref = parseOrderBy(c).ref;
      } catch (err) {
        throw new UsageError(
          `--columns: '${c}' is not a column (${errorMessage(err).replace(/^order by: /, '')})`,
        );
      }
      if (ref.entity === 'attribute') return attributeColumn(ref.key)!;
      return keyColumn(ref.entity, ref.key);
    });
}

/** Metrics first, then the params whose values differ across the listed runs: what tells runs apart. */
function defaultColumns(runs: RunDetail[]): LsColumn[] {
  const columns = ['id', 'run_name', 'status', 'start_time', 'duration'].map((c) => attributeColumn(c)!);
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.metrics)))].sort();
  for (const key of metricKeys.slice(0, AUTO_METRIC_COLUMNS)) columns.push(keyColumn('metric', key));
  const paramKeys = [...new Set(runs.flatMap((r) => Object.keys(r.params)))].sort();
  const varying = paramKeys.filter((key) => new Set(runs.map((r) => r.params[key] ?? '\0missing')).size > 1);
  for (const key of varying.slice(0, AUTO_PARAM_COLUMNS)) columns.push(keyColumn('param', key));
  return columns;
}

// ---- commands ----

/** Names every --experiment that does not exist, with the known ones. */
export function requireExperiments(store: TrackingStore, experiments: string[] | undefined, io: CliIo): void {
  if (experiments === undefined) return;
  const known = store.listExperiments().map((e) => e.name);
  const unknown = experiments.find((name) => !known.includes(name));
  if (unknown !== undefined) {
    throw new TrackingError(
      'EXPERIMENT_NOT_FOUND',
      `experiment '${unknown}' not found in ${io.env.CELLAR_TRACKING_DB || DEFAULT_DB_PATH} (known: ${known.join(', ') || 'none'})`,
      { key: unknown },
    );
  }
}

function commandLs(args: string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      experiment: { type: 'string', multiple: true, short: 'e' },
      filter: { type: 'string', short: 'f' },
      'order-by': { type: 'string', multiple: true, short: 'o' },
      max: { type: 'string', short: 'n' },
      json: { type: 'boolean' },
      columns: { type: 'string', short: 'c' },
    },
    true,
  );
  if (positionals.length > 0)
    throw new UsageError(`ls takes no arguments (got '${positionals[0]}'); use --filter`);
  const max = values.max === undefined ? DEFAULT_LS_MAX : Number(values.max);
  if (!Number.isInteger(max) || max < 1)
    throw new UsageError(`--max must be a positive integer (got '${String(values.max)}')`);
  const columns = values.columns === undefined ? undefined : parseColumns(values.columns as string);
  const store = openFor(io, true);
  try {
    const experiments = values.experiment as string[] | undefined;
    requireExperiments(store, experiments, io);
    const result = store.searchRuns({
      experiments,
      filter: values.filter as string | undefined,
      orderBy: values['order-by'] as string[] | undefined,
      maxResults: max,
    });
    if (values.json) {
      io.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      return 0;
    }
    if (result.total === 0) {
      io.stdout.write('no runs match\n');
      return 0;
    }
    const paintStatus = statusPainter(colorsFor(io));
    const shown = (columns ?? defaultColumns(result.runs)).map((c) =>
      c.header === 'STATUS' ? { ...c, paint: paintStatus } : c,
    );
    io.stdout.write(
      formatTable(
        shown,
        result.runs.map((run) => shown.map((c) => c.value(run))),
      ),
    );
    if (result.total > result.runs.length)
      io.stdout.write(`showing ${result.runs.length} of ${result.total} runs; use --max to see more\n`);
    return 0;
  } finally {
    store.close();
  }
}

function keyValueLines(record: Record<string, string>): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return '  (none)\n';
  const width = Math.max(...keys.map((k) => k.length));
  return keys.map((k) => `  ${k.padEnd(width)}  ${record[k]}`.trimEnd()).join('\n') + '\n';
}

function commandShow(args: string[], io: CliIo): number {
  const { positionals } = parse(args, {}, true);
  if (positionals.length !== 1) throw new UsageError('show needs exactly one run (id, id prefix or name)');
  const store = openFor(io, true);
  try {
    const run = store.getRun(positionals[0]);
    const info = run.info;
    let out = keyValueLines({
      run: info.runId,
      name: info.runName,
      experiment: info.experimentName,
      status: formatStatus(info),
      start: `${formatTime(info.startTime)} UTC`,
      end: info.endTime === null ? '-' : `${formatTime(info.endTime)} UTC`,
      duration: formatDuration(info.startTime, info.endTime),
      'git commit': info.gitCommit ?? '-',
      'config hash': info.configHash ?? '-',
      'data md5': info.dataMd5 ?? '-',
      ...(info.error === null ? {} : { error: info.error }),
    }).replace(/^ {2}/gm, '');
    out += `\nparams\n${keyValueLines(run.params)}`;
    out += `\nmetrics\n${keyValueLines(Object.fromEntries(Object.entries(run.metrics).map(([k, v]) => [k, formatNumber(v)])))}`;
    out += `\ntags\n${keyValueLines(run.tags)}`;
    out += `\nartifacts\n`;
    out +=
      run.artifacts.length === 0
        ? '  (none)\n'
        : formatTable(
            [{ header: 'PATH' }, { header: 'SIZE', align: 'right' }, { header: 'SHA256' }],
            run.artifacts.map((a) => [a.path, formatBytes(a.size), a.sha256.slice(0, 16)]),
          )
            .replace(/^/gm, '  ')
            .replace(/ {2}$/, '');
    io.stdout.write(out);
    return 0;
  } finally {
    store.close();
  }
}

function sideBySide(
  title: string,
  runs: RunDetail[],
  pick: (run: RunDetail) => Record<string, string>,
  width: number | undefined,
  colors: Colors,
): string {
  const values = runs.map(pick);
  const keys = [...new Set(values.flatMap((v) => Object.keys(v)))].sort();
  if (keys.length === 0) return `${title}: (none)\n`;
  const rows = keys.map((key) => {
    const cells = values.map((v) => v[key] ?? '-');
    return [new Set(cells).size > 1 ? '*' : '', key, ...cells];
  });
  const columns: Column[] = [
    { header: '', paint: colors.yellow },
    { header: title.toUpperCase() },
    ...runs.map((r) => ({ header: `${r.info.runName} (${shortId(r.info.runId)})` })),
  ];
  if (width === undefined) return formatTable(columns, rows);
  const cap = fitCellWidth([columns.map((c) => c.header), ...rows], width);
  return formatTable(
    columns.map((c) => ({ ...c, header: truncate(c.header, cap) })),
    rows.map((row) => row.map((cell) => truncate(cell, cap))),
  );
}

function metricStrings(run: RunDetail): Record<string, string> {
  return Object.fromEntries(Object.entries(run.metrics).map(([k, v]) => [k, formatNumber(v)]));
}

/** The terminal's width: io.columns, else the real stdout's when it is a terminal, else 100. */
export function terminalWidth(io: CliIo): number {
  if (io.columns !== undefined) return io.columns;
  const stream = io.stdout as { isTTY?: boolean; columns?: number };
  return stream.isTTY && stream.columns ? stream.columns : DEFAULT_WIDTH;
}

function commandCompare(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { wide: { type: 'boolean', short: 'w' } }, true);
  if (positionals.length < 2) throw new UsageError('compare needs at least two runs');
  const store = openFor(io, true);
  try {
    const runs = positionals.map((ref) => store.getRun(ref));
    const width = values.wide ? undefined : terminalWidth(io);
    const colors = colorsFor(io);
    io.stdout.write(
      `${sideBySide('param', runs, (r) => r.params, width, colors)}\n${sideBySide('metric', runs, metricStrings, width, colors)}`,
    );
    return 0;
  } finally {
    store.close();
  }
}

function commandDiff(args: string[], io: CliIo): number {
  const { values, positionals } = parse(args, { all: { type: 'boolean', short: 'a' } }, true);
  if (positionals.length !== 2) throw new UsageError('diff needs exactly two runs: <old> <new>');
  const store = openFor(io, true);
  try {
    const [a, b] = positionals.map((ref) => store.getRun(ref));
    const header = (r: RunDetail) => `${r.info.runName} (${shortId(r.info.runId)})`;
    let out = `Old: ${header(a)}\nNew: ${header(b)}\n\n`;
    const metricKeys = [...new Set([...Object.keys(a.metrics), ...Object.keys(b.metrics)])].sort();
    const metricRows = metricKeys
      .map((key) => {
        const old = a.metrics[key];
        const now = b.metrics[key];
        const both = old !== undefined && now !== undefined;
        const change = both ? formatNumber(now - old) : '-';
        return {
          key,
          old,
          now,
          change,
          same: both && (old === now || (Number.isNaN(old) && Number.isNaN(now))),
        };
      })
      .filter((row) => values.all || !row.same);
    out +=
      metricRows.length === 0
        ? 'metrics: no changes\n'
        : formatTable(
            [
              { header: 'Metric' },
              { header: 'Old', align: 'right' },
              { header: 'New', align: 'right' },
              { header: 'Change', align: 'right' },
            ],
            metricRows.map((row) => [row.key, formatNumber(row.old), formatNumber(row.now), row.change]),
          );
    const paramKeys = [...new Set([...Object.keys(a.params), ...Object.keys(b.params)])].sort();
    const paramRows = paramKeys
      .filter((key) => values.all || a.params[key] !== b.params[key])
      .map((key) => [key, a.params[key] ?? '-', b.params[key] ?? '-']);
    out += '\n';
    out +=
      paramRows.length === 0
        ? 'params: no changes\n'
        : formatTable([{ header: 'Param' }, { header: 'Old' }, { header: 'New' }], paramRows);
    io.stdout.write(out);
    return 0;
  } finally {
    store.close();
  }
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  min: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseOlderThan(value: string, now = Date.now()): number {
  const relative = /^(\d+(?:\.\d+)?)(s|min|m|h|d|w)$/.exec(value.trim());
  if (relative) return now - Number(relative[1]) * UNIT_MS[relative[2]];
  const absolute = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(absolute))
    throw new UsageError(`--older-than must be like 30d, 12h, 90min or 2026-01-01 (got '${value}')`);
  return absolute;
}

/** Runs a preview shows without --dry-run; --dry-run lists them all. */
const GC_PREVIEW_ROWS = 5;

function commandGc(args: string[], io: CliIo): number {
  const { values, positionals } = parse(
    args,
    {
      'older-than': { type: 'string' },
      status: { type: 'string' },
      deleted: { type: 'boolean' },
      'dry-run': { type: 'boolean', short: 'n' },
      yes: { type: 'boolean', short: 'y' },
    },
    true,
  );
  if (positionals.length > 0) throw new UsageError(`gc takes no arguments (got '${positionals[0]}')`);
  const dryRun = values['dry-run'] === true;
  const yes = values.yes === true;
  if (dryRun && yes) throw new UsageError('gc: --yes and --dry-run contradict each other; use one');
  const olderThan =
    values['older-than'] === undefined ? undefined : parseOlderThan(values['older-than'] as string);
  let statuses: RunStatus[] | undefined;
  if (values.status !== undefined) {
    statuses = (values.status as string).split(',').map((s) => s.trim().toUpperCase()) as RunStatus[];
    const bad = statuses.find((s) => !RUN_STATUSES.includes(s));
    if (bad !== undefined)
      throw new UsageError(`--status: unknown status '${bad}'; use ${RUN_STATUSES.join(', ')}`);
  }
  // Opened for writing even to preview: runs of dead processes are marked KILLED first, so the
  // preview lists exactly what --yes would delete.
  const store = openFor(io, false);
  try {
    const deleted = values.deleted === true;
    const planned = store.gc({ olderThan, statuses, deleted, dryRun: true });
    const details = new Map(planned.runs.map((id) => [id, store.getRun(id)]));
    const result = yes ? store.gc({ olderThan, statuses, deleted }) : planned;
    const count = result.runs.length;
    if (count === 0) {
      io.stdout.write('nothing to remove\n');
      return 0;
    }
    const runs = `${count} run${count === 1 ? '' : 's'}`;
    io.stdout.write(
      `${yes ? 'removed' : 'would remove'} ${runs} (${formatBytes(result.bytesFreed)} of artifacts)\n`,
    );
    const shown = yes || dryRun ? result.runs : result.runs.slice(0, GC_PREVIEW_ROWS);
    const rows = shown.map((id) => {
      const run = details.get(id);
      return [
        shortId(id),
        run?.info.runName ?? '?',
        run ? formatStatus(run.info) : '?',
        run?.info.experimentName ?? '?',
        formatTime(run?.info.startTime ?? null),
      ];
    });
    io.stdout.write(
      formatTable(
        [
          { header: 'ID' },
          { header: 'NAME' },
          { header: 'STATUS' },
          { header: 'EXPERIMENT' },
          { header: 'START (UTC)' },
        ],
        rows,
      ),
    );
    if (yes) return 0;
    if (shown.length < count)
      io.stdout.write(`... and ${count - shown.length} more (--dry-run lists them all)\n`);
    io.stdout.write(`nothing removed; add --yes to remove ${count === 1 ? 'this run' : `these ${runs}`}\n`);
    return 0;
  } finally {
    store.close();
  }
}

const COMMANDS: Record<string, (args: string[], io: CliIo) => number> = {
  ls: commandLs,
  list: commandLs,
  show: commandShow,
  compare: commandCompare,
  diff: commandDiff,
  gc: commandGc,
};

/** `cellar runs <argv>` through the command tree (help, option errors), for callers with their own io. */
export async function runsCli(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const { runCli, defaultIo } = await import('../program');
  return runCli(['runs', ...argv], defaultIo(io));
}

/** One runs subcommand on argv commander has checked: 0 on success, 1 on errors (one line), 2 on usage errors. */
export function runsCommand(command: string, args: string[], io: CliIo): number {
  try {
    return COMMANDS[command](args, io);
  } catch (err) {
    return reportError(err, args.includes('--verbose'), io);
  }
}

export function reportError(err: unknown, verbose: boolean, io: CliIo, prefix = 'cellar runs'): number {
  if (err instanceof UsageError) {
    io.stderr.write(`${prefix}: ${err.message} (see '${prefix} --help')\n`);
    return 2;
  }
  io.stderr.write(`${prefix}: ${errorMessage(err)}\n`);
  if (err instanceof TrackingError && err.caret !== undefined) io.stderr.write(`${err.caret}\n`);
  if (verbose && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return 1;
}
