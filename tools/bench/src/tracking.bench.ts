// @cellar/tracking search over 10 000 runs: SQL filter + order + paging (what searchRuns does)
// against the reference, measured in the same invocation: load every run with its params,
// metrics and tags (one searchRuns page of 10 000) and filter/sort/page in JavaScript.
// Also: logging throughput through the store API, one process. With a PostgreSQL URL
// (CELLAR_TEST_PG_URL, or --pg postgresql://…) the same 10 000 runs are copied into a fresh schema
// and the same cases run on the PostgreSQL store (pg in a worker thread behind the synchronous API).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// seedSyntheticRuns: the same seeded fixture the store's own 10 000-run test uses.
import {
  copySqliteStoreToPostgres,
  openStore,
  postgresSchema,
  seedSyntheticRuns,
  type RunDetail,
  type SearchRunsOptions,
  type TrackingStore,
} from '@cellar/tracking';

const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 7));
const RUNS = 10_000;
const LOGGED_RUNS = 300;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(fn: () => unknown): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function inJs(
  store: TrackingStore,
  keep: (r: RunDetail) => boolean,
  compare: (a: RunDetail, b: RunDetail) => number,
  offset: number,
): RunDetail[] {
  return store
    .searchRuns({ maxResults: RUNS })
    .runs.filter(keep)
    .sort(compare)
    .slice(offset, offset + 50);
}

const FIRST_PAGE_BUDGET_MS = 100;

interface Measured {
  rows: string[];
  firstPageMs: number;
  keysMs: number;
}

/** The search cases on one store: each checked against the JS reference, then timed. */
function measure(store: TrackingStore): Measured {
  const byF1Desc = (a: RunDetail, b: RunDetail) =>
    Number(a.metrics.f1_macro === undefined) - Number(b.metrics.f1_macro === undefined) ||
    (b.metrics.f1_macro ?? 0) - (a.metrics.f1_macro ?? 0) ||
    b.info.startTime - a.info.startTime;
  const filter =
    "metrics.accuracy > 0.5 and (tags.algorithm = 'random_forest' or params.`model.C` = '10') and status = 'FINISHED'";
  const cases: { name: string; sql: SearchRunsOptions; js: () => RunDetail[] }[] = [
    {
      name: 'first page (50, newest first)',
      sql: { maxResults: 50 },
      js: () =>
        inJs(
          store,
          () => true,
          (a, b) => b.info.startTime - a.info.startTime,
          0,
        ),
    },
    {
      name: 'filtered + ordered page (f1_macro DESC)',
      sql: { filter, orderBy: ['metrics.f1_macro DESC'], maxResults: 50 },
      js: () =>
        inJs(
          store,
          (r) =>
            r.metrics.accuracy > 0.5 &&
            (r.tags.algorithm === 'random_forest' || r.params['model.C'] === '10') &&
            r.info.status === 'FINISHED',
          byF1Desc,
          0,
        ),
    },
    {
      name: 'deep page (offset 5000, params.model.C ASC)',
      sql: { orderBy: ['params.`model.C` ASC'], maxResults: 50, offset: 5000 },
      js: () =>
        inJs(
          store,
          () => true,
          (a, b) =>
            a.params['model.C'] < b.params['model.C']
              ? -1
              : a.params['model.C'] > b.params['model.C']
                ? 1
                : b.info.startTime - a.info.startTime,
          5000,
        ),
    },
  ];
  const rows: string[] = [];
  let firstPageMs = NaN;
  for (const c of cases) {
    const sqlRuns = store
      .searchRuns(c.sql)
      .runs.map((r) => r.info.runId)
      .join();
    const jsRuns = c
      .js()
      .map((r) => r.info.runId)
      .join();
    if (sqlRuns !== jsRuns) throw new Error(`${c.name}: SQL and JS pages differ`);
    const sql: number[] = [];
    const js: number[] = [];
    for (let i = 0; i < REPS; i += 1) {
      sql.push(time(() => store.searchRuns(c.sql)));
      js.push(time(() => c.js()));
    }
    if (Number.isNaN(firstPageMs)) firstPageMs = median(sql);
    rows.push(
      `| ${c.name} | ${median(sql).toFixed(1)} | ${median(js).toFixed(1)} | ${(median(js) / median(sql)).toFixed(1)}x |`,
    );
  }
  const keysMs = time(() => [store.listParamKeys(), store.listMetricKeys(), store.listTagKeys()]);
  return { rows, firstPageMs, keysMs };
}

/** Logging throughput: the calls a pipeline makes per run, each its own write transaction; runs/s. */
function logRate(writer: TrackingStore): number {
  const logMs = time(() => {
    for (let i = 0; i < LOGGED_RUNS; i += 1) {
      const run = writer.createRun({ experiment: 'bench', tags: { algorithm: 'knn' }, gitCommit: null });
      writer.logParams(run.runId, { 'model.C': i, 'train.seed': 42 });
      writer.logMetrics(run.runId, { accuracy: 0.5, f1_macro: 0.4, log_loss: 1 });
      writer.endRun(run.runId, 'FINISHED');
    }
  });
  writer.close();
  return LOGGED_RUNS / (logMs / 1000);
}

function pgUrl(): string | undefined {
  const at = process.argv.indexOf('--pg');
  if (at >= 0 && process.argv[at + 1] !== undefined) return process.argv[at + 1];
  return process.env.CELLAR_TEST_PG_URL || undefined;
}

function report(title: string, m: Measured, other: [string, string][]): void {
  console.log(
    `\n${title}: searchRuns over ${RUNS} runs (4 experiments, 6 params, 3 metrics, 1 tag each); medians of ${REPS} reps, ms\n`,
  );
  console.log('| case | searchRuns (SQL) | reference: load all + JS | ratio |');
  console.log('|---|---:|---:|---:|');
  for (const row of m.rows) console.log(row);
  console.log(`\n| other | value |\n|---|---:|`);
  for (const [k, v] of other) console.log(`| ${k} | ${v} |`);
  const verdict = m.firstPageMs <= FIRST_PAGE_BUDGET_MS ? 'within' : 'OVER';
  console.log(
    `| first page (50 runs) vs ${FIRST_PAGE_BUDGET_MS} ms budget | ${m.firstPageMs.toFixed(1)} ms, ${verdict} |`,
  );
}

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-bench-tracking-'));
  try {
    const dbPath = path.join(dir, 'cellar.db');
    const seedMs = time(() => seedSyntheticRuns(dbPath, RUNS));
    const store = openStore({ dbPath, readonly: true });
    const sqlite = measure(store);
    store.close();
    const sqliteRate = logRate(
      openStore({ dbPath: path.join(dir, 'log.db'), artifactRoot: path.join(dir, 'artifacts') }),
    );
    report('SQLite', sqlite, [
      [`seed ${RUNS} runs, one transaction`, `${(seedMs / 1000).toFixed(2)} s`],
      ['listParamKeys + listMetricKeys + listTagKeys', `${sqlite.keysMs.toFixed(1)} ms`],
      ['logging via store API (createRun, logParams, logMetrics, endRun)', `${sqliteRate.toFixed(0)} runs/s`],
    ]);

    const url = pgUrl();
    if (url === undefined) {
      console.log('\nPostgreSQL: not measured (set CELLAR_TEST_PG_URL or pass --pg postgresql://…)');
      return;
    }
    const schema = `cellar_bench_${process.pid}`;
    const uri = postgresSchema(url, schema);
    try {
      const copyMs = time(() => copySqliteStoreToPostgres(dbPath, uri));
      const pgStore = openStore({ uri, readonly: true });
      const pg = measure(pgStore);
      pgStore.close();
      const pgRate = logRate(openStore({ uri, artifactRoot: path.join(dir, 'pg-artifacts') }));
      report('PostgreSQL', pg, [
        [`copy the ${RUNS} runs from SQLite, one transaction`, `${(copyMs / 1000).toFixed(2)} s`],
        ['listParamKeys + listMetricKeys + listTagKeys', `${pg.keysMs.toFixed(1)} ms`],
        ['logging via store API (createRun, logParams, logMetrics, endRun)', `${pgRate.toFixed(0)} runs/s`],
      ]);
    } finally {
      postgresSchema(url, schema, { drop: true });
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
