// Fit times of Cellar's learners against scikit-learn (run in the same invocation) and the
// ml.js packages, on WineQT with an 80/20 stratified split (seed 42).
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { createRng } from '@cellar/data';
import { applyScaler, fitModel, fitScaler, predict, type ModelSpec } from '@cellar/modeling';

const ROOT = path.resolve(__dirname, '../../..');
const CSV = path.resolve(ROOT, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');
const PYTHON = '/usr/bin/python3';
const REPS = Math.max(5, Number(process.env.BENCH_REPS ?? 7));
// ml-random-forest took 53-69 s for 100 trees here; a full run only fits the bench's ~2 minute
// budget when it is predicted well under the brief's 60 s line, so otherwise extrapolate from 10.
const MLJS_RF_FULL_LIMIT_MS = 30_000;

interface Table {
  columns: Float64Array[];
  y: Float64Array;
  featureNames: string[];
}

function readWine(file: string): Table {
  if (!fs.existsSync(file))
    throw new Error(`${file} not found: the example remote (data/remote) is missing from the checkout`);
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const target = header.indexOf('quality');
  const feats = header.map((_, j) => j).filter((j) => j !== target && header[j] !== 'Id');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return {
    featureNames: feats.map((j) => header[j]),
    columns: feats.map((j) => Float64Array.from(rows, (r) => r[j])),
    y: Float64Array.from(rows, (r) => r[target]),
  };
}

/** Seeded per-class shuffle, round(20%) of each class to test. */
function stratifiedSplit(
  y: Float64Array,
  testSize: number,
  seed: number,
): { train: number[]; test: number[] } {
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  y.forEach((v, i) => byClass.set(v, [...(byClass.get(v) ?? []), i]));
  const train: number[] = [];
  const test: number[] = [];
  for (const c of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = byClass.get(c) as number[];
    for (let i = idx.length - 1; i > 0; i--) {
      const r = rng.nextInt(i + 1);
      [idx[i], idx[r]] = [idx[r], idx[i]];
    }
    const nTest = Math.round(idx.length * testSize);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}

const take = (t: Table, rows: number[]): Table => ({
  featureNames: t.featureNames,
  columns: t.columns.map((c) => Float64Array.from(rows, (i) => c[i])),
  y: Float64Array.from(rows, (i) => t.y[i]),
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function timeMs(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

function accuracy(pred: ArrayLike<number>, y: ArrayLike<number>): number {
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (pred[i] === y[i]) ok++;
  return ok / y.length;
}

const rowsOf = (cols: Float64Array[]) =>
  Array.from({ length: cols[0].length }, (_, i) => cols.map((c) => c[i]));

/** A running sklearn_bench.py: ask it for n timed fits of one model. */
interface SklearnWorker {
  version: string;
  fit(model: string, reps: number): Promise<{ times_ms: number[]; accuracy: number }>;
  close(): void;
}

async function startSklearn(train: Table, test: Table): Promise<SklearnWorker | string> {
  if (spawnSync(PYTHON, ['-c', 'import sklearn'], { stdio: 'ignore' }).status !== 0) {
    return `scikit-learn is not importable by ${PYTHON} (apt-get install python3-sklearn); showing Cellar numbers only`;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-bench-'));
  const toCsv = (t: Table) =>
    Array.from(t.y, (y, i) => [...t.columns.map((c) => c[i]), y].join(',')).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, 'train.csv'), toCsv(train));
  fs.writeFileSync(path.join(dir, 'test.csv'), toCsv(test));
  // one BLAS thread, like Cellar's single-threaded fits
  const child = spawn(PYTHON, [path.join(__dirname, 'sklearn_bench.py'), dir], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
  });
  const lines = readline.createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error(`sklearn_bench.py exited early (code ${child.exitCode})`);
    return JSON.parse(r.value);
  };
  const hello = await next();
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    version: hello.sklearn_version,
    fit: async (model, reps) => {
      child.stdin.write(`${model} ${reps}\n`);
      return next();
    },
    close: () => child.stdin.end(),
  };
}

function fitCellar(spec: ModelSpec, train: Table): number {
  return timeMs(() => fitModel(spec, train));
}

/** ml-logistic-regression: one-vs-all gradient descent, no intercept, labels must be 0..k-1. */
function benchMlLogreg(train: Table, test: Table): string {
  const { Matrix } = require('ml-matrix');
  const LogisticRegression = require('ml-logistic-regression');
  const LR = LogisticRegression.default ?? LogisticRegression;
  const scaler = fitScaler(train.columns);
  const x = new Matrix(rowsOf(applyScaler(scaler, train.columns)));
  const xt = new Matrix(rowsOf(applyScaler(scaler, test.columns)));
  const classes = [...new Set(train.y)].sort((a, b) => a - b);
  const y = Matrix.columnVector(Array.from(train.y, (v) => classes.indexOf(v)));
  const opts = { numSteps: 1000, learningRate: 5e-3 };
  let model = new LR(opts);
  model.train(x, y);
  const times: number[] = [];
  const reps = 3;
  for (let r = 0; r < reps; r++) {
    times.push(
      timeMs(() => {
        model = new LR(opts);
        model.train(x, y);
      }),
    );
  }
  const pred = (model.predict(xt) as number[]).map((k) => classes[k]);
  return `${median(times).toFixed(1)} (numSteps 1000, ${reps} reps; acc ${accuracy(pred, test.y).toFixed(3)})`;
}

/** ml-random-forest: 10 trees first; the full 100 only if that stays under the limit. */
function benchMlForest(train: Table, test: Table): string {
  const { RandomForestClassifier } = require('ml-random-forest');
  const classes = [...new Set(train.y)].sort((a, b) => a - b);
  const x = rowsOf(train.columns);
  const y = Array.from(train.y, (v) => classes.indexOf(v));
  const fit = (nEstimators: number) => {
    const rf = new RandomForestClassifier({
      nEstimators,
      seed: 42,
      maxFeatures: 1.0,
      replacement: true,
      useSampleBagging: true,
      noOOB: true,
    });
    const ms = timeMs(() => rf.train(x, y));
    return { rf, ms };
  };
  const small = fit(10);
  if (small.ms * 10 > MLJS_RF_FULL_LIMIT_MS) {
    const pred = (small.rf.predict(rowsOf(test.columns)) as number[]).map((k) => classes[k]);
    return `~${(small.ms * 10).toFixed(0)} (EXTRAPOLATED: 10 trees took ${small.ms.toFixed(0)} ms, x10; 1 run; acc with 10 trees ${accuracy(pred, test.y).toFixed(3)})`;
  }
  const full = fit(100);
  const pred = (full.rf.predict(rowsOf(test.columns)) as number[]).map((k) => classes[k]);
  return `${full.ms.toFixed(0)} (100 trees, 1 run; acc ${accuracy(pred, test.y).toFixed(3)})`;
}

async function main(): Promise<void> {
  const wine = readWine(CSV);
  const split = stratifiedSplit(wine.y, 0.2, 42);
  const train = take(wine, split.train);
  const test = take(wine, split.test);
  const specs: { name: string; spec: ModelSpec; target: number; mljs?: () => string }[] = [
    {
      name: 'logreg',
      spec: { type: 'logreg', C: 1, maxIter: 1000, tol: 1e-4 },
      target: 1,
      mljs: () => benchMlLogreg(train, test),
    },
    {
      name: 'random_forest',
      spec: {
        type: 'random_forest',
        nEstimators: 100,
        maxDepth: null,
        maxFeatures: 'sqrt',
        minSamplesSplit: 2,
        randomState: 42,
      },
      target: 0.75,
      mljs: () => benchMlForest(train, test),
    },
    {
      name: 'gradient_boosting',
      spec: {
        type: 'gradient_boosting',
        learningRate: 0.1,
        nEstimators: 100,
        maxDepth: 3,
        subsample: 1,
        randomState: 42,
      },
      target: 0.3,
    },
  ];

  const sk = await startSklearn(train, test);
  const rows: string[][] = [];
  try {
    for (const { name, spec, target, mljs } of specs) {
      // one warm-up each, then alternate single fits so both sides share the same machine load
      fitCellar(spec, train);
      if (typeof sk !== 'string') await sk.fit(name, 1);
      const ours: number[] = [];
      const theirs: number[] = [];
      let skAccuracy: number | undefined;
      for (let r = 0; r < REPS; r++) {
        ours.push(fitCellar(spec, train));
        if (typeof sk !== 'string') {
          const res = await sk.fit(name, 1);
          theirs.push(...res.times_ms);
          skAccuracy = res.accuracy;
        }
      }
      const acc = accuracy(predict(fitModel(spec, train), test.columns), test.y);
      const oursMs = median(ours);
      const refMs = theirs.length ? median(theirs) : undefined;
      const ratio = refMs !== undefined ? oursMs / refMs : undefined;
      rows.push([
        name,
        oursMs.toFixed(1),
        refMs !== undefined ? refMs.toFixed(1) : 'n/a',
        ratio !== undefined ? `${ratio.toFixed(2)}x` : 'n/a',
        `<= ${target}x${ratio === undefined ? '' : ratio <= target ? ' (met)' : ' (MISSED)'}`,
        mljs ? mljs() : 'n/a',
        `${acc.toFixed(3)} / ${skAccuracy !== undefined ? skAccuracy.toFixed(3) : 'n/a'}`,
      ]);
    }
  } finally {
    if (typeof sk !== 'string') sk.close();
  }

  const header = [
    'model',
    'cellar median ms',
    'sklearn median ms',
    'ratio cellar/sklearn',
    'target',
    'ml.js median ms',
    'test accuracy (cellar / sklearn)',
  ];
  console.log(
    `WineQT, ${train.y.length} train / ${test.y.length} test rows, stratified 80/20 (seed 42); fit-time medians of ${REPS} runs after 1 warm-up, ` +
      `Cellar and scikit-learn fits alternated; node ${process.version}${typeof sk === 'string' ? '' : `, scikit-learn ${sk.version}`}`,
  );
  if (typeof sk === 'string') console.log(`\n> ${sk}`);
  console.log('');
  console.log(`| ${header.join(' | ')} |`);
  console.log(`|${header.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log(
    '\nml.js, for comparison only: ml-logistic-regression (one-vs-all gradient descent, no intercept or penalty) and ml-random-forest (one feature subset per tree, otherwise defaults).',
  );
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
