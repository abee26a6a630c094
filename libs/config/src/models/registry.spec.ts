import { describe, expect, it } from 'vitest';
import { camelCaseKey, snakeCaseKey } from './camel-keys';
import { checkModelSpec, modelKeys, modelSchema, MODEL_TYPES, type ModelSpec } from './registry';

describe('model registry', () => {
  it('turns the snake_case YAML section into the camelCase spec', () => {
    expect(
      modelSchema.parse({
        type: 'random_forest',
        n_estimators: 10,
        max_depth: null,
        max_features: 'sqrt',
        min_samples_split: 2,
        random_state: 0,
      }),
    ).toEqual({
      type: 'random_forest',
      nEstimators: 10,
      maxDepth: null,
      maxFeatures: 'sqrt',
      minSamplesSplit: 2,
      randomState: 0,
    } satisfies ModelSpec);
    expect(MODEL_TYPES).toEqual(['logreg', 'random_forest', 'gradient_boosting']);
    expect(modelKeys('logreg')).toEqual(['type', 'C', 'max_iter', 'tol']);
    expect(modelKeys('svm')).toEqual([]);
  });

  it('checks a model.json spec with the same schema, in camelCase', () => {
    const spec: ModelSpec = { type: 'logreg', C: 0.5, maxIter: 100, tol: 1e-4 };
    expect(checkModelSpec(spec)).toEqual({ ok: true, spec });
    expect(checkModelSpec({ ...spec, C: 0 })).toEqual({
      ok: false,
      key: 'model.C',
      message: 'model.C must be > 0 (got 0)',
    });
    expect(
      checkModelSpec({
        type: 'gradient_boosting',
        learningRate: 0.1,
        nEstimators: 3,
        maxDepth: 2,
        subsample: 1,
        randomState: -1,
      }),
    ).toEqual({
      ok: false,
      key: 'model.randomState',
      message: 'model.randomState must be an integer >= 0 (got -1)',
    });
    expect(checkModelSpec({ ...spec, max_iter: 100 })).toMatchObject({ ok: false, key: 'model.max_iter' });
    expect(checkModelSpec({ ...spec, extra: 1 })).toEqual({
      ok: false,
      key: 'model.extra',
      message: 'model.extra is not a valid key for model type logreg (valid: type, C, maxIter, tol)',
    });
    expect(checkModelSpec({ type: 'svm' })).toEqual({
      ok: false,
      key: 'model.type',
      message: "model.type must be one of logreg, random_forest, gradient_boosting (got 'svm')",
    });
    expect(checkModelSpec(null)).toMatchObject({ ok: false, key: 'model' });
  });

  it('converts keys both ways; C stays C', () => {
    for (const [snake, camel] of [
      ['max_iter', 'maxIter'],
      ['min_samples_split', 'minSamplesSplit'],
      ['C', 'C'],
      ['type', 'type'],
    ]) {
      expect(camelCaseKey(snake)).toBe(camel);
      expect(snakeCaseKey(camel)).toBe(snake);
    }
  });
});
