import { describe, expect, it } from 'vitest';
import { ForestTreeCache } from './forest-cache';
import { fitModel, type FittedModel } from './model';
import { readWine, SMALL_FOREST, stratifiedSplit, takeRows } from './testing/wine';
import type { ModelSpec } from './types';

const wine = readWine();
const split = stratifiedSplit(wine.y, 0.2, 42);
const train = takeRows(wine, split.train);
const test = takeRows(wine, split.test);
const data = { featureNames: train.featureNames, columns: train.columns, y: train.y };
const opts = { history: true, validation: { columns: test.columns, y: test.y } };

const forest = (nEstimators: number, extra: Partial<typeof SMALL_FOREST> = {}): ModelSpec => ({
  ...SMALL_FOREST,
  maxDepth: 6,
  nEstimators,
  ...extra,
});
const trees = (m: FittedModel) => (m.estimator.type === 'random_forest' ? m.estimator.trees : []);

describe('ForestTreeCache (forests that differ only in n_estimators share their trees)', () => {
  it('gives, in any order, the forests and histories a fresh fit gives, building each tree once', () => {
    const cache = new ForestTreeCache();
    const withCache = [20, 8, 30].map((n) => fitModel(forest(n), data, { ...opts, forestTrees: cache }));
    const fresh = [20, 8, 30].map((n) => fitModel(forest(n), data, opts));
    for (let i = 0; i < 3; i++) {
      expect(trees(withCache[i])).toEqual(trees(fresh[i]));
      expect(withCache[i].history).toEqual(fresh[i].history);
    }
    // 20 trees built, 8 taken, 10 more built on top of the 20: 30 held, not 58.
    expect(trees(withCache[1]).every((t, i) => t === trees(withCache[0])[i])).toBe(true);
    expect(
      trees(withCache[2])
        .slice(0, 20)
        .every((t, i) => t === trees(withCache[0])[i]),
    ).toBe(true);
  });

  it('never shares trees between forests with another parameter or other data', () => {
    const cache = new ForestTreeCache();
    const base = fitModel(forest(10), data, { forestTrees: cache });
    const deeper = fitModel(forest(10, { maxDepth: 7 }), data, { forestTrees: cache });
    const reseeded = fitModel(forest(10, { randomState: 8 }), data, { forestTrees: cache });
    const fewerRows = { ...data, columns: data.columns.map((c) => c.slice(1)), y: data.y.slice(1) };
    const other = fitModel(forest(10), fewerRows, { forestTrees: cache });
    for (const m of [deeper, reseeded, other]) {
      expect(trees(m).some((t, i) => t === trees(base)[i])).toBe(false);
    }
    expect(trees(deeper)).toEqual(trees(fitModel(forest(10, { maxDepth: 7 }), data)));
    expect(trees(other)).toEqual(trees(fitModel(forest(10), fewerRows)));
  });

  it('holds at most its byte budget, dropping the least recently used forest first', () => {
    const probe = new ForestTreeCache();
    fitModel(forest(10), data, { forestTrees: probe });
    const tenTrees = probe.size;
    // Room for about 15 trees: a 20-tree forest keeps its first trees only, and is still right.
    const cache = new ForestTreeCache(Math.floor(tenTrees * 1.5));
    const first = fitModel(forest(20), data, { forestTrees: cache });
    expect(cache.size).toBeLessThanOrEqual(tenTrees * 1.5);
    expect(trees(fitModel(forest(20), data, { forestTrees: cache }))).toEqual(trees(first));
    // Another forest pushes the first one out.
    fitModel(forest(12, { randomState: 9 }), data, { forestTrees: cache });
    expect(cache.size).toBeLessThanOrEqual(tenTrees * 1.5);
    const again = fitModel(forest(5), data, { forestTrees: cache });
    expect(trees(again).some((t, i) => t === trees(first)[i])).toBe(false);
    expect(trees(again)).toEqual(trees(first).slice(0, 5));
  });
});
