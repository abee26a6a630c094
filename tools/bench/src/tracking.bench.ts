// @cellar/tracking search over 10 000 runs: SQL filter + order + paging (what searchRuns does)
// against the reference, measured in the same invocation: load every run with its params,
// metrics and tags (one searchRuns page of 10 000) and filter/sort/page in JavaScript.
// Also: logging throughput through the store API, one process.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
// seedSyntheticRuns: the same seeded fixture the store's own 10 000-run test uses.
import {
  openStore,
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

function main(): void {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-bench-tracking-'));
  try {
    const dbPath = path.join(dir, 'cellar.db');
    const seedMs = time(() => seedSyntheticRuns(dbPath, RUNS));
    const store = openStore({ dbPath, readonly: true });
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
      rows.push(
        `| ${c.name} | ${median(sql).toFixed(1)} | ${median(js).toFixed(1)} | ${(median(js) / median(sql)).toFixed(1)}x |`,
      );
    }
    const keys = time(() => [store.listParamKeys(), store.listMetricKeys(), store.listTagKeys()]);
    store.close();

    // Logging throughput: the calls a pipeline makes per run, each its own IMMEDIATE transaction.
    const writer = openStore({ dbPath: path.join(dir, 'log.db'), artifactRoot: path.join(dir, 'artifacts') });
    const logMs = time(() => {
      for (let i = 0; i < LOGGED_RUNS; i += 1) {
        const run = writer.createRun({ experiment: 'bench', tags: { algorithm: 'knn' }, gitCommit: null });
        writer.logParams(run.runId, { 'model.C': i, 'train.seed': 42 });
        writer.logMetrics(run.runId, { accuracy: 0.5, f1_macro: 0.4, log_loss: 1 });
        writer.endRun(run.runId, 'FINISHED');
      }
    });
    writer.close();

    console.log(
      `searchRuns over ${RUNS} runs (4 experiments, 6 params, 3 metrics, 1 tag each); medians of ${REPS} reps, ms\n`,
    );
    console.log('| case | searchRuns (SQL) | reference: load all + JS | ratio |');
    console.log('|---|---:|---:|---:|');
    for (const row of rows) console.log(row);
    console.log(`\n| other | value |\n|---|---:|`);
    console.log(`| seed ${RUNS} runs, one transaction | ${(seedMs / 1000).toFixed(2)} s |`);
    console.log(`| listParamKeys + listMetricKeys + listTagKeys | ${keys.toFixed(1)} ms |`);
    console.log(
      `| logging via store API (createRun, logParams, logMetrics, endRun) | ${(LOGGED_RUNS / (logMs / 1000)).toFixed(0)} runs/s |`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main();
