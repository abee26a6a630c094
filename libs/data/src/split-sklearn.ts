// scikit-learn's train_test_split, reproduced row for row and in its order:
//   train_test_split(np.arange(n), test_size=testSize, random_state=randomState,
//                    stratify=y if stratify else None)
// Stratified: StratifiedShuffleSplit._iter_indices (classes from np.unique, per-class counts from
// _approximate_mode, a permutation per class, then a permutation of train and of test).
// Not stratified: ShuffleSplit (one permutation of all rows; test first). Both draw from numpy's
// legacy RandomState, ported in numpy-random.ts. Written from reading sklearn/model_selection/
// _split.py and sklearn/utils/__init__.py of scikit-learn 1.2.1, the version the specs compare with.
import { DataError } from './data-error';
import { NumpyRandomState } from './numpy-random';
import type { SplitIndices } from './split';
import { quoteLabel, rowsByLabel, shuffleSplitSizes, uniqueLabels, type Label } from './split-common';

export interface SklearnSplitOptions {
  /** A fraction in (0, 1) (test = ceil(testSize * n)) or a whole number of test rows. */
  testSize: number;
  /** scikit-learn's random_state: an integer from 0 to 2**32 - 1. */
  randomState: number;
  /** Stratify on y (StratifiedShuffleSplit) or not (ShuffleSplit). */
  stratify: boolean;
  /** Names the data in messages, e.g. `data/external/WineQT.csv`. */
  displayPath?: string;
  /** The column the labels come from, named in messages. */
  targetColumn?: string;
}

/**
 * scikit-learn's `_approximate_mode`: the floor of each class's proportional share, then the
 * missing draws go to the largest remainders; ties among equal remainders are broken with
 * `rng.choice(inds, size, replace=False)`, which consumes the stream even when all are taken.
 */
export function approximateMode(counts: ArrayLike<number>, draws: number, rng: NumpyRandomState): number[] {
  let total = 0;
  for (let i = 0; i < counts.length; i++) total += counts[i];
  const continuous = Array.from(counts, (c) => (c / total) * draws);
  const floored = continuous.map(Math.floor);
  let need = draws - floored.reduce((s, c) => s + c, 0);
  if (need > 0) {
    const remainder = continuous.map((c, i) => c - floored[i]);
    const values = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of values) {
      const inds: number[] = [];
      remainder.forEach((r, i) => r === value && inds.push(i));
      const addNow = Math.min(inds.length, need);
      for (const i of rng.choiceWithoutReplacement(inds, addNow)) floored[i] += 1;
      need -= addNow;
      if (need === 0) break;
    }
  }
  return floored;
}

function refuseSingletons(labels: Label[], counts: number[], where: string, opts: SklearnSplitOptions): void {
  const single = labels.filter((_, k) => counts[k] < 2).map(quoteLabel);
  if (single.length === 0) return;
  const column = opts.targetColumn === undefined ? '' : ` of column '${opts.targetColumn}'`;
  const which =
    single.length === 1
      ? `class ${single[0]}${column} has only 1 row`
      : `classes ${single.join(', ')}${column} have only 1 row each`;
  // scikit-learn: "The least populated class in y has only 1 member, which is too few."
  throw new DataError(
    'INVALID_ARGUMENT',
    `${where}: ${which}; a stratified split (scikit-learn's too) needs at least 2 rows per class: drop the class${single.length === 1 ? '' : 'es'}, add rows, or set stratify to false`,
    { file: opts.displayPath, column: opts.targetColumn },
  );
}

export function sklearnTrainTestSplit(y: ArrayLike<Label>, options: SklearnSplitOptions): SplitIndices {
  const where = options.displayPath ?? 'sklearnTrainTestSplit';
  const n = y.length;
  const { nTrain, nTest } = shuffleSplitSizes(n, options.testSize, where);
  const rng = new NumpyRandomState(options.randomState, `${where}: random_state`);

  if (!options.stratify) {
    const perm = rng.permutation(n);
    return { train: perm.slice(nTest, nTest + nTrain), test: perm.slice(0, nTest) };
  }

  const what = options.targetColumn === undefined ? 'label' : `'${options.targetColumn}'`;
  const labels = uniqueLabels(y, where, what);
  const nClasses = labels.values.length;
  refuseSingletons(labels.values, labels.counts, where, options);
  for (const [side, size] of [
    ['train', nTrain],
    ['test', nTest],
  ] as const) {
    if (size < nClasses) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: test size ${options.testSize} gives ${size} ${side} rows for ${nClasses} classes; a stratified split needs at least one row of every class on each side: ${side === 'test' ? 'raise' : 'lower'} the test size`,
        { file: options.displayPath, column: options.targetColumn },
      );
    }
  }

  const classRows = rowsByLabel(labels);
  const trainPer = approximateMode(labels.counts, nTrain, rng);
  const testPer = approximateMode(
    labels.counts.map((c, k) => c - trainPer[k]),
    nTest,
    rng,
  );
  const train: number[] = [];
  const test: number[] = [];
  classRows.forEach((rows, k) => {
    const perm = rng.permutation(rows.length);
    for (let i = 0; i < trainPer[k]; i++) train.push(rows[perm[i]]);
    for (let i = trainPer[k]; i < trainPer[k] + testPer[k]; i++) test.push(rows[perm[i]]);
  });
  rng.shuffle(train);
  rng.shuffle(test);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}
