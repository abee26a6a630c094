import { afterAll, describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { expandSweepExpression, loadSweep, sweepPointId } from './sweep';
import { errorOf, makeWorkspace, removeWorkspace, REPO_ROOT } from './test-workspace';

const root = makeWorkspace({
  'configs/sweep/fancy.yaml':
    'metric: f1_macro\ngrid:\n  - model: logreg\n    params:\n      model.C: range(1, 4)\n      model.tol: 0.001\n      +extra.tag: choice(a, "b,c")\n',
  'configs/sweep/no-metric.yaml': 'grid:\n  - model: logreg\n',
  'configs/sweep/bad-model.yaml': 'metric: accuracy\ngrid:\n  - model: svm\n    params: {}\n',
  'configs/sweep/bad-expr.yaml':
    'metric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: range(1)\n',
  'configs/sweep/list-param.yaml':
    'metric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: [1, 2]\n',
  'configs/sweep/extra-key.yaml': 'metric: accuracy\nsampler: grid\ngrid: []\n',
  'configs/sweep/empty-grid.yaml': 'metric: accuracy\ngrid: []\n',
});
afterAll(() => removeWorkspace(root));

describe('expandSweepExpression', () => {
  it.each<[string, string[]]>([
    ['0.1,1,10', ['0.1', '1', '10']],
    ['null, 5', ['null', '5']],
    ['range(1,4)', ['1', '2', '3']],
    ['range(0, 10, 3)', ['0', '3', '6', '9']],
    ['range(0.1, 0.5, 0.1)', ['0.1', '0.2', '0.3', '0.4']],
    ['range(5, 1, -2)', ['5', '3']],
    ['range(0, 1, 0.25)', ['0', '0.25', '0.5', '0.75']],
    ['choice(sqrt, log2, null)', ['sqrt', 'log2', 'null']],
    ["choice('a,b', [1,2])", ["'a,b'", '[1,2]']],
    ["'a,b',c", ["'a,b'", 'c']],
    ['42', ['42']],
    ['sqrt', ['sqrt']],
    ['[1,2]', ['[1,2]']],
  ])('%s', (expr, expected) => {
    expect(expandSweepExpression(expr)).toEqual(expected);
  });

  it.each([
    ['range(1)', "sweep 'range(1)': range needs (start, stop) or (start, stop, step)"],
    ['range(3, 1)', "sweep 'range(3, 1)': range is empty (stop must be greater than start)"],
    ['range(1, 3, 0)', "sweep 'range(1, 3, 0)': range step must not be 0"],
    ['range(a, 3)', "sweep 'range(a, 3)': range argument 'a' is not a number"],
    [
      'interval(0, 1)',
      "sweep 'interval(0, 1)': interval() is not supported (use a comma list, range() or choice())",
    ],
    ['choice()', "sweep 'choice()': choice needs at least one value"],
    ['a,,b', "sweep 'a,,b': empty value in comma list"],
    ['[1,2', "sweep '[1,2': missing ']'"],
  ])('rejects %s', (expr, message) => {
    expect(errorOf(() => expandSweepExpression(expr))).toMatchObject({ code: 'SWEEP_SYNTAX', message });
  });
});

describe('loadSweep', () => {
  it('expands wine-grid to exactly the 15 reference runs, in declaration order', () => {
    const sweep = loadSweep(REPO_ROOT, 'wine-grid');
    expect(sweep).toEqual({
      name: 'wine-grid',
      metric: 'accuracy',
      file: 'configs/sweep/wine-grid.yaml',
      runs: [
        { data: 'wine', model: 'logreg', overrides: ['model.C=0.1', 'data.split.test_size=0.2'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=0.1', 'data.split.test_size=0.3'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=1', 'data.split.test_size=0.2'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=1', 'data.split.test_size=0.3'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=10', 'data.split.test_size=0.2'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=10', 'data.split.test_size=0.3'] },
        {
          data: 'wine',
          model: 'random_forest',
          overrides: ['model.n_estimators=50', 'model.max_depth=null'],
        },
        { data: 'wine', model: 'random_forest', overrides: ['model.n_estimators=50', 'model.max_depth=5'] },
        {
          data: 'wine',
          model: 'random_forest',
          overrides: ['model.n_estimators=100', 'model.max_depth=null'],
        },
        { data: 'wine', model: 'random_forest', overrides: ['model.n_estimators=100', 'model.max_depth=5'] },
        {
          data: 'wine',
          model: 'random_forest',
          overrides: ['model.n_estimators=200', 'model.max_depth=null'],
        },
        { data: 'wine', model: 'random_forest', overrides: ['model.n_estimators=200', 'model.max_depth=5'] },
        { data: 'wine', model: 'gradient_boosting', overrides: ['model.learning_rate=0.05'] },
        { data: 'wine', model: 'gradient_boosting', overrides: ['model.learning_rate=0.1'] },
        { data: 'wine', model: 'gradient_boosting', overrides: ['model.learning_rate=0.2'] },
      ],
    });
    // Every run composes, and the 15 configs are distinct.
    const hashes = sweep.runs.map(
      (run) =>
        composeConfig({
          root: REPO_ROOT,
          model: run.model,
          data: run.data,
          overrides: run.overrides,
          env: {},
        }).hash,
    );
    expect(new Set(hashes).size).toBe(15);
  });

  it('supports range, choice, single values and + keys', () => {
    expect(loadSweep(root, 'fancy').runs).toEqual(
      ['1', '2', '3'].flatMap((c) => [
        { data: 'wine', model: 'logreg', overrides: [`model.C=${c}`, 'model.tol=0.001', '+extra.tag=a'] },
        { data: 'wine', model: 'logreg', overrides: [`model.C=${c}`, 'model.tol=0.001', '+extra.tag="b,c"'] },
      ]),
    );
  });

  it.each([
    [
      'nope',
      "configs/sweep/nope.yaml: sweep 'nope' does not exist (available: bad-expr, bad-model, empty-grid, extra-key, fancy, list-param, no-metric, wine-grid)",
    ],
    [
      'no-metric',
      'configs/sweep/no-metric.yaml: metric must be a metric name such as accuracy (got nothing)',
    ],
    [
      'bad-model',
      "configs/sweep/bad-model.yaml: grid.0.model 'svm' does not exist in configs/model (available: gradient_boosting, logreg, random_forest)",
    ],
    [
      'bad-expr',
      "configs/sweep/bad-expr.yaml: grid.0.params.model.C: sweep 'range(1)': range needs (start, stop) or (start, stop, step)",
    ],
    [
      'list-param',
      'configs/sweep/list-param.yaml: grid.0.params.model.C must be a sweep expression string like 0.1,1,10 (got a list)',
    ],
    ['extra-key', "configs/sweep/extra-key.yaml: unknown key 'sampler' (allowed: data, metric, grid)"],
    [
      'empty-grid',
      'configs/sweep/empty-grid.yaml: grid must be a non-empty list of { model, params } entries',
    ],
    ['../x', "sweep name '../x' is invalid (use the file name of configs/sweep/<name>.yaml without .yaml)"],
  ])('rejects %s', (name, message) => {
    expect(errorOf(() => loadSweep(root, name)).message).toBe(message);
  });
});

describe('sweepPointId', () => {
  it('is a short hash of data + model + overrides: pinned and distinct per point', () => {
    // Pinned from Python: hashlib.sha256(json.dumps([data, model, overrides], separators=(',', ':'))).
    expect(sweepPointId({ data: 'wine', model: 'logreg', overrides: ['model.C=0.1'] })).toBe('979829788e');
    expect(sweepPointId({ data: 'iris', model: 'gb', overrides: [] })).toBe('4aa2860317');
    expect(sweepPointId({ data: 'iris', model: 'logreg', overrides: ['model.C=0.1'] })).not.toBe(
      '979829788e',
    );
    const ids = loadSweep(REPO_ROOT, 'wine-grid').runs.map(sweepPointId);
    expect(new Set(ids).size).toBe(15);
    expect(ids.every((id) => /^[0-9a-f]{10}$/.test(id))).toBe(true);
  });
});
