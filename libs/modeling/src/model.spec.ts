import { describe, expect, it } from 'vitest';
import { ModelError } from './errors';
import { fitModel, predict, predictProba } from './model';
import { createRng } from '@cellar/data';
import type { ModelSpec, TrainingData } from './types';

const logreg: ModelSpec = { type: 'logreg', C: 1, maxIter: 200, tol: 1e-6 };
const forest: ModelSpec = {
  type: 'random_forest',
  nEstimators: 10,
  maxDepth: null,
  maxFeatures: 'sqrt',
  minSamplesSplit: 2,
  randomState: 7,
};
const boosting: ModelSpec = {
  type: 'gradient_boosting',
  learningRate: 0.1,
  nEstimators: 20,
  maxDepth: 3,
  subsample: 1,
  randomState: 7,
};
const specs = [logreg, forest, boosting];

/** Three well separated blobs labelled 10, 20, 30 plus a noise column. */
function blobs(nPerClass: number, seed: number): TrainingData {
  const rng = createRng(seed);
  const a: number[] = [];
  const b: number[] = [];
  const noise: number[] = [];
  const y: number[] = [];
  [10, 20, 30].forEach((label, k) => {
    for (let i = 0; i < nPerClass; i++) {
      a.push(k * 10 + rng.next());
      b.push((k % 2) * 5 + rng.next());
      noise.push(rng.next());
      y.push(label);
    }
  });
  return { featureNames: ['a', 'b', 'noise'], columns: [a, b, noise].map((c) => Float64Array.from(c)), y };
}

describe('fitModel / predict', () => {
  const train = blobs(30, 1);
  const test = blobs(10, 2);

  it.each(specs)('$type separates clean blobs and returns raw labels', (spec) => {
    const model = fitModel(spec, train);
    expect(model.classes).toEqual([10, 20, 30]);
    expect(Array.from(predict(model, test.columns))).toEqual(Array.from(test.y));
    const proba = predictProba(model, test.columns);
    expect(proba).toHaveLength(3);
    for (let i = 0; i < 30; i++) expect(proba[0][i] + proba[1][i] + proba[2][i]).toBeCloseTo(1, 12);
  });

  it.each(specs)('$type handles two classes', (spec) => {
    const y = Array.from(train.y, (v) => (v === 20 ? 1 : 0));
    const model = fitModel(spec, { ...train, y });
    expect(model.classes).toEqual([0, 1]);
    const pred = predict(model, test.columns);
    expect(Array.from(pred)).toEqual(Array.from(test.y, (v) => (v === 20 ? 1 : 0)));
    expect(predictProba(model, test.columns)).toHaveLength(2);
  });

  it('reports progress per tree, stage and iteration', () => {
    const seen: string[] = [];
    fitModel(forest, train, { onProgress: (d, t) => seen.push(`${d}/${t}`) });
    expect(seen).toEqual(Array.from({ length: 10 }, (_, i) => `${i + 1}/10`));
    const stages: number[] = [];
    fitModel(boosting, train, { onProgress: (d) => stages.push(d) });
    expect(stages).toHaveLength(20);
    let iters = 0;
    fitModel(logreg, train, { onProgress: (d, t) => ((iters = d), expect(t).toBe(200)) });
    expect(iters).toBeGreaterThan(3);
  });

  it('limits tree depth', () => {
    const stump = fitModel({ ...forest, maxDepth: 1, nEstimators: 3 }, train);
    if (stump.estimator.type !== 'random_forest') throw new Error('unreachable');
    for (const tree of stump.estimator.trees) expect(tree.left.length).toBeLessThanOrEqual(3);
  });

  it('rejects bad specs with the registry schema, naming the camelCase key and value', () => {
    expect(() => fitModel({ ...logreg, C: -1 }, train)).toThrow('model spec: model.C must be > 0 (got -1)');
    expect(() => fitModel({ ...forest, randomState: -1 }, train)).toThrow(
      'model spec: model.randomState must be an integer >= 0 (got -1)',
    );
    expect(() => fitModel({ ...logreg, max_iter: 5 } as ModelSpec, train)).toThrow(
      'model spec: model.max_iter is not a valid key for model type logreg (valid: type, C, maxIter, tol)',
    );
    expect(() => fitModel({ ...logreg, maxIters: 5 } as ModelSpec, train)).toThrow(
      'model spec: model.maxIters is not a valid key for model type logreg (valid: type, C, maxIter, tol)',
    );
    expect(() => fitModel({ ...forest, minSamplesSplit: 1 }, train)).toThrow(
      /model.minSamplesSplit must be an integer >= 2 \(got 1\)/,
    );
    expect(() => fitModel({ ...forest, maxFeatures: 'all' as 'sqrt' }, train)).toThrow(/model.maxFeatures/);
    expect(() => fitModel({ ...boosting, subsample: 0 }, train)).toThrow(
      /model.subsample must be a number in \(0, 1\] \(got 0\)/,
    );
    try {
      fitModel({ ...boosting, learningRate: 0 }, train);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(ModelError);
      expect((err as ModelError).code).toBe('INVALID_SPEC');
      expect((err as ModelError).key).toBe('model.learningRate');
    }
  });

  it('rejects bad data naming column and 1-based row', () => {
    const columns = train.columns.map((c) => c.slice());
    columns[1][4] = NaN;
    expect(() => fitModel(logreg, { ...train, columns })).toThrow(
      "feature column 'b' row 5 is not a finite number (got NaN); clean or impute it before training",
    );
    expect(() => fitModel(logreg, { ...train, y: Array.from(train.y).slice(1) })).toThrow(
      /feature column 'a' has 90 rows, expected 89/,
    );
    expect(() => fitModel(logreg, { ...train, y: new Array(90).fill(1) })).toThrow(/needs at least 2/);
    const model = fitModel(logreg, train);
    expect(() => predict(model, train.columns.slice(0, 2))).toThrow(
      'expected 3 feature columns (a, b, noise) but got 2',
    );
  });
});
