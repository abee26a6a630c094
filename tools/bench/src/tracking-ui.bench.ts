// Tracking UI server: wall time of API requests over 127.0.0.1 against a 10 000-run store,
// next to the same store call made in-process (the reference: what HTTP + JSON adds).
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { openStore, type SearchRunsOptions, type TrackingStore } from '@cellar/tracking';
import { startUiServer } from '@cellar/tracking-ui';

const RUNS = Number(process.env.BENCH_UI_RUNS ?? 10_000);
const REPS = Math.max(10, Number(process.env.BENCH_REPS ?? 15));
const GOAL_MS = 300;
const EXPERIMENT = 'wine-quality-bench';
const ALGORITHMS = ['logreg', 'random_forest', 'knn'];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const ms = (x: number) => `${x.toFixed(1)} ms`;

/** Deterministic pseudo-random numbers so every invocation benches the same data. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function seed(store: TrackingStore, n: number): void {
  const rnd = lcg(42);
  for (let i = 0; i < n; i++) {
    const algorithm = ALGORITHMS[i % ALGORITHMS.length];
    const run = store.createRun({
      experiment: EXPERIMENT,
      runName: `${algorithm}-${i}`,
      tags: { algorithm, stage: i % 10 === 0 ? 'sweep' : 'train', branch: 'main' },
    });
    store.logParams(run.runId, {
      model: algorithm,
      C: (0.01 + rnd() * 10).toFixed(3),
      max_iter: 100 + (i % 5) * 100,
      test_size: 0.2,
      seed: i,
    });
    const acc = 0.45 + rnd() * 0.3;
    store.logMetrics(run.runId, {
      accuracy: acc,
      f1_macro: acc - 0.1 * rnd(),
      precision_macro: acc - 0.05 * rnd(),
      recall_macro: acc - 0.08 * rnd(),
    });
    store.endRun(run.runId, i % 50 === 7 ? 'FAILED' : 'FINISHED');
  }
}

interface Case {
  name: string;
  query: string;
  direct: SearchRunsOptions;
}

// node:http rather than fetch: fetch's 10 s connect timeout runs on this same event loop,
// so one slow first query on a loaded machine could abort the request instead of timing it.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function get(url: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      })
      .on('error', reject);
  });
}

async function timeRequest(url: string): Promise<{ ms: number; bytes: number; total: number }> {
  const t0 = performance.now();
  const res = await get(url);
  const elapsed = performance.now() - t0;
  if (res.status !== 200) throw new Error(`GET ${url} -> ${res.status}: ${res.text}`);
  return {
    ms: elapsed,
    bytes: Buffer.byteLength(res.text),
    total: (JSON.parse(res.text) as { total: number }).total,
  };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-bench-ui-'));
  const store = openStore({
    root: dir,
    dbPath: path.join(dir, 'tracking.db'),
    artifactRoot: path.join(dir, 'artifacts'),
  });
  const t0 = performance.now();
  seed(store, RUNS);
  const seedSeconds = (performance.now() - t0) / 1000;
  const server = await startUiServer({ store, port: 0 });
  const filter = "metrics.accuracy > 0.6 and (params.model = 'logreg' or tags.algorithm = 'knn')";
  const order = ['metrics.f1_macro DESC'];
  const cases: Case[] = [
    {
      name: 'first runs page (50 rows, default order)',
      query: `experiment=${EXPERIMENT}&limit=50`,
      direct: { experiments: [EXPERIMENT], maxResults: 50 },
    },
    {
      name: 'filtered + ordered page (`' + filter + '`, f1_macro DESC)',
      query: `experiment=${EXPERIMENT}&limit=50&filter=${encodeURIComponent(filter)}&order_by=${encodeURIComponent(order[0])}`,
      direct: { experiments: [EXPERIMENT], filter, orderBy: order, maxResults: 50 },
    },
    {
      name: 'last page, ordered by a param (offset 9950)',
      query: `experiment=${EXPERIMENT}&limit=50&offset=${Math.max(0, RUNS - 50)}&order_by=${encodeURIComponent('params.C ASC')}`,
      direct: {
        experiments: [EXPERIMENT],
        orderBy: ['params.C ASC'],
        maxResults: 50,
        offset: Math.max(0, RUNS - 50),
      },
    },
  ];
  const rows: string[][] = [];
  try {
    for (const c of cases) {
      const url = `${server.url}api/runs?${c.query}`;
      await timeRequest(url); // warm statement cache and page cache
      const http: number[] = [];
      let info = { bytes: 0, total: 0 };
      for (let i = 0; i < REPS; i++) {
        const r = await timeRequest(url);
        http.push(r.ms);
        info = r;
      }
      // The reference: the same work in-process (search + the three key lists the API adds).
      const direct: number[] = [];
      for (let i = 0; i < REPS; i++) {
        const d0 = performance.now();
        store.searchRuns(c.direct);
        store.listParamKeys([EXPERIMENT]);
        store.listMetricKeys([EXPERIMENT]);
        store.listTagKeys([EXPERIMENT]);
        direct.push(performance.now() - d0);
      }
      const m = median(http);
      rows.push([
        c.name,
        ms(m),
        ms(median(direct)),
        `${(m / median(direct)).toFixed(2)}×`,
        `${info.total} of ${RUNS}`,
        `${(info.bytes / 1024).toFixed(0)} KiB`,
        m < GOAL_MS ? `✓ < ${GOAL_MS} ms` : `✗ ≥ ${GOAL_MS} ms`,
      ]);
    }
    // Where the in-process time goes: the column picker's key lists, without the search.
    const keys: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const k0 = performance.now();
      store.listParamKeys([EXPERIMENT]);
      store.listMetricKeys([EXPERIMENT]);
      store.listTagKeys([EXPERIMENT]);
      keys.push(performance.now() - k0);
    }
    rows.push([
      '(part of every page) the three key lists alone, in-process',
      '',
      ms(median(keys)),
      '',
      '',
      '',
      '',
    ]);
    const detailUrl = `${server.url}api/runs/${store.searchRuns({ maxResults: 1 }).runs[0].info.runId}`;
    const detail: number[] = [];
    for (let i = 0; i < REPS; i++) {
      const d0 = performance.now();
      await get(detailUrl);
      detail.push(performance.now() - d0);
    }
    rows.push([
      'one run (`GET /api/runs/:id`)',
      ms(median(detail)),
      '',
      '',
      '1',
      '',
      median(detail) < GOAL_MS ? `✓ < ${GOAL_MS} ms` : '✗',
    ]);
  } finally {
    agent.destroy();
    await server.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }

  console.log(
    `\n### Tracking UI server (${RUNS} runs: 5 params, 4 metrics, 3 tags each; median of ${REPS} requests; seeding took ${seedSeconds.toFixed(1)} s)\n`,
  );
  console.log(
    '| request | HTTP wall time | in-process store call | HTTP / in-process | matching runs | body | goal |',
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
