import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { composeConfig, flattenConfig, modelConfigFiles } from './compose';
import { canonicalJson } from './canonical-json';
import { errorOf, makeWorkspace, removeWorkspace, REPO_ROOT } from './test-workspace';

const FEATURES = [
  'fixed acidity',
  'volatile acidity',
  'citric acid',
  'residual sugar',
  'chlorides',
  'free sulfur dioxide',
  'total sulfur dioxide',
  'density',
  'pH',
  'sulphates',
  'alcohol',
];
const roots: string[] = [];
function workspace(files: Record<string, string> = {}, seed = true): string {
  const root = makeWorkspace(files, seed);
  roots.push(root);
  return root;
}
afterAll(() => roots.forEach(removeWorkspace));

const compose = (overrides: string[] = [], env: Record<string, string> = {}, model = 'logreg') =>
  composeConfig({ root: REPO_ROOT, model, overrides, env });
const messageOf = (overrides: string[], model = 'logreg', env: Record<string, string> = {}) =>
  errorOf(() => compose(overrides, env, model)).message;

describe('composeConfig on the repo configs', () => {
  it('composes logreg with the exact values', () => {
    const out = compose();
    expect(out.config).toEqual({
      data: {
        name: 'wine',
        path: 'data/external/WineQT.csv',
        pointer: 'data/external/WineQT.csv.dvc',
        experiment: 'wine_quality',
        format: { delimiter: 'auto', missing: 'error' },
        target: 'quality',
        features: FEATURES,
        exclude: ['Id'],
        labels: null,
        split: { method: 'stratified', testSize: 0.2, randomState: 42, column: null },
      },
      train: { randomState: 42 },
      model: { type: 'logreg', C: 1, maxIter: 1000, tol: 0.0001 },
      tracking: { experiment: 'wine_quality' },
      notify: { webhookUrl: null },
    });
    expect(out.sources).toEqual([
      'configs/train/base.yaml',
      'configs/data/wine.yaml',
      'configs/model/logreg.yaml',
    ]);
    expect(out.resolved.model).toEqual({ type: 'logreg', C: 1, max_iter: 1000, tol: 0.0001 });
    expect(out.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('composes random_forest and gradient_boosting, resolving ${train.random_state}', () => {
    expect(compose([], {}, 'random_forest').config.model).toEqual({
      type: 'random_forest',
      nEstimators: 100,
      maxDepth: null,
      maxFeatures: 'sqrt',
      minSamplesSplit: 2,
      randomState: 42,
    });
    const gb = compose(['train.random_state=7'], {}, 'gradient_boosting');
    expect(gb.config.model).toEqual({
      type: 'gradient_boosting',
      learningRate: 0.1,
      nEstimators: 100,
      maxDepth: 3,
      subsample: 1,
      randomState: 7,
    });
    expect(gb.resolved.model).toMatchObject({ random_state: 7 });
  });

  it('reads the webhook from the environment, default null', () => {
    expect(compose([], { CELLAR_WEBHOOK_URL: 'http://127.0.0.1:9/hook' }).config.notify.webhookUrl).toBe(
      'http://127.0.0.1:9/hook',
    );
    expect(messageOf([], 'logreg', { CELLAR_WEBHOOK_URL: 'not a url' })).toBe(
      "configs/train/base.yaml: notify.webhook_url must be null or an http(s) URL (got 'not a url')",
    );
  });

  it('hash is sha256 of canonical {data, train, model}, ignores tracking/notify, changes with model.C', () => {
    const base = compose();
    const { data, train, model } = base.resolved;
    expect(base.hash).toBe(createHash('sha256').update(canonicalJson({ data, train, model })).digest('hex'));
    expect(canonicalJson({ b: [1, { d: 2, c: null }], a: 'x' })).toBe('{"a":"x","b":[1,{"c":null,"d":2}]}');
    expect(compose(['tracking.experiment=other'], { CELLAR_WEBHOOK_URL: 'https://x.test/h' }).hash).toBe(
      base.hash,
    );
    expect(compose(['model.C=2']).hash).not.toBe(base.hash);
    expect(compose(['model.C=1.0']).hash).toBe(base.hash);
    // Same values written in another key order hash the same.
    const root = workspace({
      'configs/model/logreg.yaml': 'model:\n  tol: 0.0001\n  max_iter: 1000\n  C: 1.0\n  type: logreg\n',
    });
    expect(composeConfig({ root, model: 'logreg', env: {} }).hash).toBe(base.hash);
  });

  it('records the pipeline file in sources and applies pipeline overrides before command-line ones', () => {
    const out = composeConfig({
      root: REPO_ROOT,
      model: 'logreg',
      pipelineFile: 'apps/wine-logreg/pipeline.yaml',
      pipelineOverrides: ['model.max_iter=2000', 'model.C=0.5'],
      overrides: ['model.C=3'],
      env: {},
    });
    expect(out.config.model).toEqual({ type: 'logreg', C: 3, maxIter: 2000, tol: 0.0001 });
    expect(out.sources).toEqual([
      'configs/train/base.yaml',
      'configs/data/wine.yaml',
      'configs/model/logreg.yaml',
      'apps/wine-logreg/pipeline.yaml',
    ]);
  });

  it('modelConfigFiles lists the files a model reads', () => {
    expect(modelConfigFiles('random_forest')).toEqual([
      'configs/train/base.yaml',
      'configs/model/random_forest.yaml',
    ]);
    expect(errorOf(() => modelConfigFiles('../x')).message).toBe(
      "model name '../x' is invalid (use letters, digits, '_' or '-', the file name of configs/model/<model>.yaml without .yaml)",
    );
  });
});

describe('overrides', () => {
  it('set, add, force, delete and delete-if-equal', () => {
    expect(compose(['model.C=0.25']).resolved.model).toEqual({
      type: 'logreg',
      C: 0.25,
      max_iter: 1000,
      tol: 0.0001,
    });
    expect(compose(['+extra.note=hi']).resolved.extra).toEqual({ note: 'hi' });
    expect(compose(['++model.C=4']).config.model).toMatchObject({ C: 4 });
    expect(compose(['++extra.k=[1,2]']).resolved.extra).toEqual({ k: [1, 2] });
    expect(compose(['~data.exclude', '+data.exclude=[]']).config.data.exclude).toEqual([]);
    expect(compose(['~model.tol=0.0001', '+model.tol=0.5']).config.model).toMatchObject({ tol: 0.5 });
    expect(compose(["data.features=[alcohol, 'volatile acidity']"]).config.data.features).toEqual([
      'alcohol',
      'volatile acidity',
    ]);
  });

  it.each([
    [['model.foo=1'], "override 'model.foo=1': key model.foo does not exist (use +model.foo=1 to add it)"],
    [['nope.a=1'], "override 'nope.a=1': key nope.a does not exist (use +nope.a=1 to add it)"],
    [
      ['+model.C=2'],
      "override '+model.C=2': key model.C already exists (use model.C=2 to change it, or ++model.C=2 to add or change)",
    ],
    [['~model.foo'], "override '~model.foo': key model.foo does not exist, so there is nothing to delete"],
    [
      ['~model.C=2'],
      "override '~model.C=2': model.C is 1, not 2, so it was not deleted (use ~model.C to delete it whatever its value)",
    ],
    [
      ['+model.C.x=1'],
      "override '+model.C.x=1': model.C is a number, not a map, so model.C.x cannot be set (override model.C itself instead)",
    ],
  ])('%j fails with one clear line', (overrides, message) => {
    expect(messageOf(overrides)).toBe(message);
  });

  it('names the pipeline file for a bad pipeline override', () => {
    const err = errorOf(() =>
      composeConfig({
        root: REPO_ROOT,
        model: 'logreg',
        pipelineFile: 'apps/x/pipeline.yaml',
        pipelineOverrides: ['model.C=-1'],
        env: {},
      }),
    );
    expect(err.message).toBe("apps/x/pipeline.yaml: override 'model.C=-1': model.C must be > 0 (got -1)");
    expect(
      errorOf(() =>
        composeConfig({
          root: REPO_ROOT,
          model: 'logreg',
          pipelineFile: 'apps/x/pipeline.yaml',
          pipelineOverrides: ['model.nope=1'],
          env: {},
        }),
      ),
    ).toMatchObject({
      code: 'OVERRIDE_KEY_MISSING',
      file: 'apps/x/pipeline.yaml',
      key: 'model.nope',
      message:
        "apps/x/pipeline.yaml: override 'model.nope=1': key model.nope does not exist (use +model.nope=1 to add it)",
    });
    expect(
      errorOf(() =>
        composeConfig({
          root: REPO_ROOT,
          model: 'logreg',
          pipelineFile: 'apps/x/pipeline.yaml',
          pipelineOverrides: ['model.C'],
          env: {},
        }),
      ),
    ).toMatchObject({
      code: 'OVERRIDE_SYNTAX',
      file: 'apps/x/pipeline.yaml',
      message: "apps/x/pipeline.yaml: override 'model.C': missing '=' (expected key.path=value)",
    });
    expect(
      errorOf(() =>
        composeConfig({ root: REPO_ROOT, model: 'logreg', pipelineOverrides: ['model.bad=1'], env: {} }),
      ).message,
    ).toBe("pipeline override 'model.bad=1': key model.bad does not exist (use +model.bad=1 to add it)");
  });
});

describe('validation errors name the file that set the key', () => {
  it.each([
    [['model.C=-1'], 'logreg', "override 'model.C=-1': model.C must be > 0 (got -1)"],
    [['model.C=abc'], 'logreg', "override 'model.C=abc': model.C must be a number > 0 (got 'abc')"],
    [
      ['model.max_iter=1.5'],
      'logreg',
      "override 'model.max_iter=1.5': model.max_iter must be an integer >= 1 (got 1.5)",
    ],
    [
      ['~model.C'],
      'logreg',
      "override '~model.C': model.C is required but missing (add it to the config or set it with +model.C=<value>)",
    ],
    [
      ['model.type=svm'],
      'logreg',
      "override 'model.type=svm': model.type must be one of logreg, random_forest, gradient_boosting (got 'svm')",
    ],
    [
      ['+model.n_estimator=3'],
      'random_forest',
      "override '+model.n_estimator=3': model.n_estimator is not a valid key for model type random_forest (valid: type, n_estimators, max_depth, max_features, min_samples_split, random_state)",
    ],
    [
      ['model.max_depth=0'],
      'random_forest',
      "override 'model.max_depth=0': model.max_depth must be null or an integer >= 1 (got 0)",
    ],
    [
      ['model.max_features=auto'],
      'random_forest',
      "override 'model.max_features=auto': model.max_features must be 'sqrt', 'log2', null, a fraction in (0, 1] or an integer >= 1 (got 'auto')",
    ],
    [
      ['model.max_features=2.5'],
      'random_forest',
      "override 'model.max_features=2.5': model.max_features must be 'sqrt', 'log2', null, a fraction in (0, 1] or an integer >= 1 (got 2.5)",
    ],
    [
      ['model.min_samples_split=1'],
      'random_forest',
      "override 'model.min_samples_split=1': model.min_samples_split must be an integer >= 2 (got 1)",
    ],
    [
      ['model.subsample=1.5'],
      'gradient_boosting',
      "override 'model.subsample=1.5': model.subsample must be a number in (0, 1] (got 1.5)",
    ],
    [
      ['model.learning_rate=0'],
      'gradient_boosting',
      "override 'model.learning_rate=0': model.learning_rate must be > 0 (got 0)",
    ],
    [
      ['data.split.test_size=1'],
      'logreg',
      "override 'data.split.test_size=1': data.split.test_size must be a number in (0, 1) (got 1)",
    ],
    [
      ['train.random_state=x'],
      'logreg',
      "override 'train.random_state=x': train.random_state must be an integer >= 0 (got 'x')",
    ],
    [
      ['data.features=[]'],
      'logreg',
      "override 'data.features=[]': data.features must list at least one column (or null for all numeric columns) (got [])",
    ],
    [
      ['data.features=[pH,pH]'],
      'logreg',
      "override 'data.features=[pH,pH]': data.features.1 repeats column 'pH' (list each column once)",
    ],
    [
      ['data.features=[pH,quality]'],
      'logreg',
      "override 'data.features=[pH,quality]': data.features.1 is the target column 'quality' (remove it from the features)",
    ],
    [
      ['data.exclude=[pH]'],
      'logreg',
      "override 'data.exclude=[pH]': data.exclude.0 'pH' is also in data.features (keep it in only one list)",
    ],
    [
      ['+data.split.test_sise=0.3'],
      'logreg',
      "override '+data.split.test_sise=0.3': data.split.test_sise is not a valid key for data.split (valid: method, test_size, random_state, column)",
    ],
    [
      ['+train.test_size=0.3'],
      'logreg',
      "override '+train.test_size=0.3': train.test_size is not a valid key for train (valid: random_state)",
    ],
    [
      ['data.split.method=group'],
      'logreg',
      "configs/data/wine.yaml: split.column is required for method 'group' (the column whose values group rows)",
    ],
    [
      ['data.format.delimiter=x'],
      'logreg',
      `override 'data.format.delimiter=x': data.format.delimiter must be one of auto, ",", ";", "\\t", "|" (got 'x')`,
    ],
    [
      ['data=x'],
      'logreg',
      "override 'data=x': unknown data set (available: wine; add configs/data/x.yaml or pick one of those)",
    ],
    [
      ['model.C=-1', 'model.tol=0'],
      'logreg',
      "override 'model.C=-1': model.C must be > 0 (got -1) [+1 more problem]",
    ],
  ])('%j on %s', (overrides, model, message) => {
    expect(messageOf(overrides, model)).toBe(message);
  });

  it('points at the model file when the file holds the bad value', () => {
    const root = workspace({
      'configs/model/logreg.yaml': 'model:\n  type: logreg\n  C: -1\n  max_iter: 1000\n  tol: 0.0001\n',
    });
    const err = errorOf(() => composeConfig({ root, model: 'logreg', env: {} }));
    expect(err).toMatchObject({ code: 'INVALID_VALUE', file: 'configs/model/logreg.yaml', key: 'model.C' });
    expect(err.message).toBe('configs/model/logreg.yaml: model.C must be > 0 (got -1)');
  });

  it('a negative seed fails at validation, naming base.yaml and the snake_case key, not inside modeling', () => {
    const base = readFileSync(join(REPO_ROOT, 'configs/train/base.yaml'), 'utf8');
    const root = workspace({
      'configs/train/base.yaml': base.replace(/random_state: 42/, 'random_state: -1'),
    });
    for (const model of ['logreg', 'random_forest']) {
      const err = errorOf(() => composeConfig({ root, model, env: {} }));
      expect(err).toMatchObject({
        code: 'INVALID_VALUE',
        file: 'configs/train/base.yaml',
        key: 'train.random_state',
      });
      expect(err.message).toMatch(
        /^configs\/train\/base\.yaml: train\.random_state must be an integer >= 0 \(got -1\)( \[\+1 more problem\])?$/,
      );
    }
  });

  it('rejects an unknown model type and a typo in a model file', () => {
    const root = workspace({
      'configs/model/x.yaml': 'model:\n  type: svm\n  C: 1\n',
      'configs/model/rf_typo.yaml':
        'model:\n  type: random_forest\n  n_estimator: 10\n  n_estimators: 10\n  max_depth: null\n  max_features: sqrt\n  min_samples_split: 2\n  random_state: 1\n',
    });
    expect(errorOf(() => composeConfig({ root, model: 'x', env: {} })).message).toBe(
      "configs/model/x.yaml: model.type must be one of logreg, random_forest, gradient_boosting (got 'svm')",
    );
    expect(errorOf(() => composeConfig({ root, model: 'rf_typo', env: {} })).message).toBe(
      'configs/model/rf_typo.yaml: model.n_estimator is not a valid key for model type random_forest (valid: type, n_estimators, max_depth, max_features, min_samples_split, random_state)',
    );
  });

  it('blames a section nobody set on the file that should hold it', () => {
    const root = workspace({ 'configs/model/empty.yaml': '' });
    expect(errorOf(() => composeConfig({ root, model: 'empty', env: {} })).message).toBe(
      'configs/model/empty.yaml: model is required but missing (add it to the config or set it with +model=<value>)',
    );
    expect(errorOf(() => compose(['~notify'])).message).toBe(
      "override '~notify': notify is required but missing (add it to the config or set it with +notify=<value>)",
    );
  });

  it('supports YAML anchors and merge keys', () => {
    const root = workspace({
      'configs/model/anchored.yaml':
        'defaults: &d\n  type: logreg\n  C: 2\n  max_iter: 10\n  tol: 0.1\nmodel:\n  <<: *d\n  C: 3\n',
    });
    expect(composeConfig({ root, model: 'anchored', env: {} }).config.model).toEqual({
      type: 'logreg',
      C: 3,
      maxIter: 10,
      tol: 0.1,
    });
  });

  it('lists the available models when the model file is missing', () => {
    const err = errorOf(() => compose([], {}, 'svm'));
    expect(err).toMatchObject({ code: 'MODEL_NOT_FOUND', file: 'configs/model/svm.yaml' });
    expect(err.message).toBe(
      "configs/model/svm.yaml: model 'svm' does not exist (available: gradient_boosting, logreg, random_forest; add configs/model/svm.yaml or pick one of those)",
    );
  });

  it('reports YAML syntax errors with line and column, and non-mapping files', () => {
    const root = workspace({
      'configs/model/broken.yaml': 'model:\n  type: logreg\n  C: [1,\n',
      'configs/model/list.yaml': '- a\n- b\n',
    });
    const err = errorOf(() => composeConfig({ root, model: 'broken', env: {} }));
    expect(err).toMatchObject({ code: 'YAML_SYNTAX', file: 'configs/model/broken.yaml' });
    expect(err.message).toBe(
      'configs/model/broken.yaml: YAML syntax error at line 4, column 1: Flow sequence in block collection must be sufficiently indented and end with a ] (fix the YAML and retry)',
    );
    expect(err.message).not.toContain('\n');
    const dup = workspace({ 'configs/model/dup.yaml': 'model:\n  type: logreg\n  C: 1\n  C: 2\n' });
    expect(errorOf(() => composeConfig({ root: dup, model: 'dup', env: {} })).message).toBe(
      'configs/model/dup.yaml: YAML syntax error at line 4, column 3: Map keys must be unique (fix the YAML and retry)',
    );
    expect(errorOf(() => composeConfig({ root, model: 'list', env: {} })).message).toBe(
      'configs/model/list.yaml: top level must be a mapping of keys to values (got a list)',
    );
    const noBase = workspace(
      {
        'configs/model/logreg.yaml': 'model: {type: logreg, C: 1, max_iter: 1, tol: 1}\n',
        'configs/data/wine.yaml': readFileSync(join(REPO_ROOT, 'configs/data/wine.yaml'), 'utf8'),
      },
      false,
    );
    expect(errorOf(() => composeConfig({ root: noBase, model: 'logreg', env: {} })).message).toBe(
      'configs/train/base.yaml: file does not exist (create it or fix the path)',
    );
  });
});

describe('flattenConfig', () => {
  it('flattens to dotted keys with strings, numbers, null and JSON lists', () => {
    expect(flattenConfig(compose().resolved)).toEqual({
      'data.name': 'wine',
      'data.path': 'data/external/WineQT.csv',
      'data.pointer': 'data/external/WineQT.csv.dvc',
      'data.experiment': 'wine_quality',
      'data.format.delimiter': 'auto',
      'data.format.missing': 'error',
      'data.target': 'quality',
      'data.features': JSON.stringify(FEATURES),
      'data.exclude': '["Id"]',
      'data.labels': 'null',
      'data.split.method': 'stratified',
      'data.split.test_size': '0.2',
      'data.split.random_state': '42',
      'data.split.column': 'null',
      'train.random_state': '42',
      'tracking.experiment': 'wine_quality',
      'notify.webhook_url': 'null',
      'model.type': 'logreg',
      'model.C': '1',
      'model.max_iter': '1000',
      'model.tol': '0.0001',
    });
    expect(flattenConfig({ a: { b: true, e: {} }, c: 'x' })).toEqual({ 'a.b': 'true', 'a.e': '{}', c: 'x' });
  });
});
