import { describe, expect, it } from 'vitest';
import { loadCsvDataset } from './csv-dataset';
import { stratifiedKFold, stratifiedSplit } from './split';
import { WINE_CSV } from './test-utils';

const wine = loadCsvDataset(WINE_CSV, { featureColumns: ['alcohol'], targetColumn: 'quality' });
const LABELS = [3, 4, 5, 6, 7, 8];

function countByLabel(y: ArrayLike<number>, idx: ArrayLike<number>): number[] {
  return LABELS.map((l) => Array.from(idx).filter((i) => y[i] === l).length);
}

describe('stratifiedSplit', () => {
  it('splits WineQT 914/229 with the per-class counts scikit-learn 1.2.1 gives', () => {
    const s = stratifiedSplit(wine.target, 0.2, 42);
    // sklearn train_test_split(test_size=0.2, stratify=quality): 914/229, test per class [1, 7, 97, 92, 29, 3].
    expect([s.train.length, s.test.length]).toEqual([914, 229]);
    expect(countByLabel(wine.target, s.test)).toEqual([1, 7, 97, 92, 29, 3]);
    expect(countByLabel(wine.target, s.train)).toEqual([5, 26, 386, 370, 114, 13]);
  });

  it('is deterministic, sorted, disjoint and complete; seeds matter', () => {
    const a = stratifiedSplit(wine.target, 0.2, 7);
    const b = stratifiedSplit(wine.target, 0.2, 7);
    expect(a).toEqual(b);
    expect(Array.from(a.test)).toEqual(Array.from(a.test).sort((x, y) => x - y));
    const all = new Set([...a.train, ...a.test]);
    expect(all.size).toBe(1143);
    expect(Array.from(stratifiedSplit(wine.target, 0.2, 8).test)).not.toEqual(Array.from(a.test));
  });

  it('uses ceil(testSize * n) and keeps both sides of every class', () => {
    const y = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2];
    const s = stratifiedSplit(y, 0.35, 1);
    expect([s.train.length, s.test.length]).toEqual([6, 4]);
    for (const label of [0, 1, 2]) {
      expect(Array.from(s.train).some((i) => y[i] === label)).toBe(true);
      expect(Array.from(s.test).some((i) => y[i] === label)).toBe(true);
    }
  });

  it('rejects bad sizes and singleton classes', () => {
    expect(() => stratifiedSplit([0, 0, 1, 1], 1.5, 0)).toThrow(
      'stratifiedSplit: test size must be a fraction in (0, 1) or a row count below 4 (got 1.5)',
    );
    expect(() => stratifiedSplit([0, 0, 0, 1], 0.5, 0)).toThrow(
      "stratifiedSplit: class '1' has only 1 row; stratified split needs at least 2 per class (drop the class or use more data)",
    );
  });

  it('names the file, the class and the target column when it is told them', () => {
    const y = [5, 5, 3, 6, 6, 5, 6];
    const where = { displayPath: 'data/x.csv', targetColumn: 'quality' };
    expect(() => stratifiedSplit(y, { testSize: 0.3, seed: 0, ...where })).toThrow(
      "data/x.csv: class '3' of column 'quality' has only 1 row; stratified split needs at least 2 per class (drop the class or use more data)",
    );
    expect(() => stratifiedSplit([...y, 9], { testSize: 0.3, seed: 0, ...where })).toThrow(
      "data/x.csv: classes '3', '9' of column 'quality' have only 1 row each; stratified split needs at least 2 per class (drop the classes or use more data)",
    );
    expect(() => stratifiedSplit(y.slice(3), { testSize: 1.5, seed: 0, ...where })).toThrow(
      'data/x.csv: test size must be a fraction in (0, 1) or a row count below 4 (got 1.5)',
    );
    // The options form splits exactly like the positional one.
    const both = [...y, 3];
    expect(stratifiedSplit(both, { testSize: 0.3, seed: 4, ...where })).toEqual(
      stratifiedSplit(both, 0.3, 4),
    );
  });
});

describe('stratifiedKFold', () => {
  it('puts every row in exactly one test fold, balanced per class', () => {
    const folds = stratifiedKFold(wine.target, 5, 42);
    expect(folds).toHaveLength(5);
    const seen = new Uint8Array(1143);
    for (const f of folds) {
      expect(f.train.length + f.test.length).toBe(1143);
      for (const i of f.test) seen[i]++;
      const trainSet = new Set(f.train);
      expect(Array.from(f.test).some((i) => trainSet.has(i))).toBe(false);
    }
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(folds.map((f) => f.test.length)).toEqual([229, 229, 229, 228, 228]);
    // quality 5 has 483 rows: 97 or 96 per fold.
    expect(folds.map((f) => countByLabel(wine.target, f.test)[2]).sort()).toEqual([96, 96, 97, 97, 97]);
    expect(stratifiedKFold(wine.target, 5, 42)).toEqual(folds);
  });

  it('rejects k outside 2..n', () => {
    expect(() => stratifiedKFold([0, 1, 0], 4, 0)).toThrow(
      'stratifiedKFold: k must be an integer in 2..3 (got 4)',
    );
  });
});
