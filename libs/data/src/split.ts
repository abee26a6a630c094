import { DataError } from './data-error';
import { createRng } from './random';

export interface SplitIndices {
  train: Uint32Array;
  test: Uint32Array;
}

function shuffleInPlace(a: number[], rng: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}

/** The distinct labels in ascending order: the order groupByClass uses. */
function classLabels(y: ArrayLike<number>): number[] {
  return [...new Set(Array.from(y))].sort((a, b) => a - b);
}

/** Row indices per class, classes in ascending label order. */
function groupByClass(y: ArrayLike<number>): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const label = y[i];
    let g = groups.get(label);
    if (!g) groups.set(label, (g = []));
    g.push(i);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([, rows]) => rows);
}

/**
 * sklearn's `_approximate_mode`: floor of the proportional share, then the
 * leftover draws go to the largest remainders (ties broken by the seeded rng).
 */
function approximateMode(counts: number[], draws: number, rng: () => number): number[] {
  const total = counts.reduce((s, c) => s + c, 0);
  const continuous = counts.map((c) => (c / total) * draws);
  const floored = continuous.map(Math.floor);
  let need = draws - floored.reduce((s, c) => s + c, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => {
        if (r === value) inds.push(i);
      });
      shuffleInPlace(inds, rng);
      const addNow = Math.min(inds.length, need);
      for (let k = 0; k < addNow; k++) floored[inds[k]] += 1;
      need -= addNow;
      if (need === 0) break;
    }
  }
  return floored;
}

function sorted(values: number[]): Uint32Array {
  return Uint32Array.from(values).sort();
}

export interface StratifiedSplitOptions {
  /** A fraction in (0, 1), or an integer row count. */
  testSize: number;
  seed: number;
  /** Names the data in messages, e.g. `data/external/WineQT.csv`. */
  displayPath?: string;
  /** The column the labels come from, named in messages. */
  targetColumn?: string;
}

/**
 * Stratified train/test split allocated like sklearn's StratifiedShuffleSplit:
 * test = ceil(testSize * n) rows (testSize in (0, 1), or an integer row count),
 * spread over classes proportionally. Every class needs at least 2 rows.
 */
export function stratifiedSplit(y: ArrayLike<number>, options: StratifiedSplitOptions): SplitIndices;
export function stratifiedSplit(y: ArrayLike<number>, testSize: number, seed: number): SplitIndices;
export function stratifiedSplit(
  y: ArrayLike<number>,
  optionsOrTestSize: StratifiedSplitOptions | number,
  positionalSeed?: number,
): SplitIndices {
  const opts: StratifiedSplitOptions =
    typeof optionsOrTestSize === 'number'
      ? { testSize: optionsOrTestSize, seed: positionalSeed ?? 0 }
      : optionsOrTestSize;
  const { testSize, seed, displayPath, targetColumn } = opts;
  const where = displayPath ?? 'stratifiedSplit';
  const n = y.length;
  let nTest: number;
  if (testSize > 0 && testSize < 1) nTest = Math.ceil(testSize * n);
  else if (Number.isInteger(testSize) && testSize >= 1 && testSize < n) nTest = testSize;
  else {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: test size must be a fraction in (0, 1) or a row count below ${n} (got ${testSize})`,
      { file: displayPath },
    );
  }
  const nTrain = n - nTest;
  const labels = classLabels(y);
  const groups = groupByClass(y);
  const single = labels.filter((_, c) => groups[c].length < 2).map((label) => `'${label}'`);
  if (single.length > 0) {
    const column = targetColumn === undefined ? '' : ` of column '${targetColumn}'`;
    const which =
      single.length === 1
        ? `class ${single[0]}${column} has only 1 row`
        : `classes ${single.join(', ')}${column} have only 1 row each`;
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: ${which}; stratified split needs at least 2 per class (drop the class${single.length === 1 ? '' : 'es'} or use more data)`,
      { file: displayPath, column: targetColumn },
    );
  }
  if (nTrain < groups.length || nTest < groups.length) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: train (${nTrain}) and test (${nTest}) sizes must each be >= the number of classes (${groups.length}); change test size`,
      { file: displayPath },
    );
  }
  const rng = createRng(seed).next;
  const counts = groups.map((g) => g.length);
  const trainPer = approximateMode(counts, nTrain, rng);
  const testPer = approximateMode(
    counts.map((c, i) => c - trainPer[i]),
    nTest,
    rng,
  );
  const train: number[] = [];
  const test: number[] = [];
  groups.forEach((rows, c) => {
    const perm = rows.slice();
    shuffleInPlace(perm, rng);
    for (let i = 0; i < trainPer[c]; i++) train.push(perm[i]);
    for (let i = trainPer[c]; i < trainPer[c] + testPer[c]; i++) test.push(perm[i]);
  });
  return { train: sorted(train), test: sorted(test) };
}

/** Stratified k folds: each class is shuffled and dealt round-robin, so every row is in exactly one test fold. */
export function stratifiedKFold(y: ArrayLike<number>, k: number, seed: number): SplitIndices[] {
  const n = y.length;
  if (!Number.isInteger(k) || k < 2 || k > n) {
    throw new DataError('INVALID_ARGUMENT', `stratifiedKFold: k must be an integer in 2..${n} (got ${k})`);
  }
  const rng = createRng(seed).next;
  const foldOf = new Uint32Array(n);
  let dealt = 0;
  for (const rows of groupByClass(y)) {
    const perm = rows.slice();
    shuffleInPlace(perm, rng);
    for (const r of perm) foldOf[r] = dealt++ % k;
  }
  const folds: SplitIndices[] = [];
  for (let f = 0; f < k; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < n; i++) (foldOf[i] === f ? test : train).push(i);
    folds.push({ train: Uint32Array.from(train), test: Uint32Array.from(test) });
  }
  return folds;
}
