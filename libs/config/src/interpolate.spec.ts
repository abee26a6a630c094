import { afterAll, describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { errorOf, makeWorkspace, removeWorkspace, REPO_ROOT } from './test-workspace';

const roots: string[] = [];
afterAll(() => roots.forEach(removeWorkspace));
const extra = (overrides: string[], env: Record<string, string> = {}) =>
  composeConfig({ root: REPO_ROOT, model: 'logreg', overrides, env }).resolved.extra;
const failure = (overrides: string[], env: Record<string, string> = {}) =>
  errorOf(() => composeConfig({ root: REPO_ROOT, model: 'logreg', overrides, env }));

describe('interpolation', () => {
  it('keeps the type of a whole-value reference and builds strings from partial ones', () => {
    expect(
      extra(['+extra.seed=${train.random_state}', '+extra.cols=${data.exclude}', '+extra.model=${model}']),
    ).toEqual({
      seed: 42,
      cols: ['Id'],
      model: { type: 'logreg', C: 1, max_iter: 1000, tol: 0.0001 },
    });
    expect(extra(['+extra.tag=${model.type}-C${model.C}-${notify.webhook_url}'])).toEqual({
      tag: 'logreg-C1-null',
    });
    expect(extra(['+extra.first=${data.features.0}'])).toEqual({ first: 'fixed acidity' });
  });

  it('resolves chains and nested ${} and honours \\${ escapes', () => {
    expect(
      extra([
        '+extra.a=${extra.b}',
        '+extra.b=${extra.c}',
        '+extra.c=7',
        '+extra.which=c',
        '+extra.d=${extra.${extra.which}}',
      ]),
    ).toEqual({ a: 7, b: 7, c: 7, which: 'c', d: 7 });
    expect(extra(['+extra.m=${model}', '+extra.c=${extra.m.C}', '+extra.t=${extra.m.type}-x'])).toEqual({
      m: { type: 'logreg', C: 1, max_iter: 1000, tol: 0.0001 },
      c: 1,
      t: 'logreg-x',
    });
    expect(extra(['+extra.lit=\\${not.resolved}'])).toEqual({ lit: '${not.resolved}' });
    // A referenced value is resolved after all overrides, so later overrides win.
    expect(
      composeConfig({ root: REPO_ROOT, model: 'random_forest', overrides: ['train.random_state=5'], env: {} })
        .config.model,
    ).toMatchObject({ randomState: 5 });
  });

  it('reads env vars with YAML-scalar defaults', () => {
    expect(
      extra(
        [
          '+extra.a=${env:CELLAR_T}',
          '+extra.b=${env:CELLAR_U,null}',
          "+extra.c='${env:CELLAR_U,0.5}'",
          "+extra.d='${env:CELLAR_U,a,b}'",
          '+extra.e=x-${env:CELLAR_T}',
        ],
        { CELLAR_T: '12' },
      ),
    ).toEqual({
      a: '12',
      b: null,
      c: 0.5,
      d: 'a,b',
      e: 'x-12',
    });
    expect(extra(['+extra.a=${env:CELLAR_T,fallback}'], { CELLAR_T: '' })).toEqual({ a: '' });
  });

  it.each([
    [
      ['+extra.a=${extra.b}', '+extra.b=${extra.a}'],
      'INTERPOLATION_CYCLE',
      "override '+extra.a=${extra.b}': interpolation cycle extra.a -> extra.b -> extra.a (set one of these keys to a plain value)",
    ],
    [
      ['+extra.a=${extra.a}'],
      'INTERPOLATION_CYCLE',
      "override '+extra.a=${extra.a}': interpolation cycle extra.a -> extra.a (set one of these keys to a plain value)",
    ],
    [
      ['+extra.a=${train.seed}'],
      'INTERPOLATION_MISSING_KEY',
      "override '+extra.a=${train.seed}': extra.a refers to ${train.seed}, but key train.seed does not exist (fix the reference or define the key)",
    ],
    [
      ['+extra.a=${env:CELLAR_NOPE}'],
      'ENV_MISSING',
      "override '+extra.a=${env:CELLAR_NOPE}': extra.a: environment variable CELLAR_NOPE is not set (set it or write ${env:CELLAR_NOPE,<default>})",
    ],
    [
      ['+extra.a=${foo:bar}'],
      'INTERPOLATION_SYNTAX',
      "override '+extra.a=${foo:bar}': extra.a: unknown resolver 'foo' in ${foo:bar} (supported: env)",
    ],
    [
      ['+extra.a=x${model}'],
      'INTERPOLATION_TYPE',
      "override '+extra.a=x${model}': extra.a: ${model} is a map and cannot be inserted into a string (make it the whole value)",
    ],
    [
      ['+extra.a=${a b}'],
      'INTERPOLATION_SYNTAX',
      "override '+extra.a=${a b}': extra.a: ${a b} is not a key path (expected ${section.key} or ${env:NAME})",
    ],
    [
      ['model.C=???'],
      'MANDATORY_MISSING',
      "override 'model.C=???': model.C is mandatory (???) and has no value (set it, e.g. model.C=<value>)",
    ],
  ])('%j fails with %s', (overrides, code, message) => {
    const err = failure(overrides);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
  });

  it('names the file of a ??? value and of a reference to a missing key', () => {
    const root = makeWorkspace({
      'configs/model/todo.yaml': 'model:\n  type: logreg\n  C: ???\n  max_iter: 1000\n  tol: 0.0001\n',
      'configs/model/unclosed.yaml':
        'model:\n  type: logreg\n  C: 1\n  max_iter: 1000\n  tol: 0.0001\nnote: x${model\n',
      'configs/model/badref.yaml':
        'model:\n  type: random_forest\n  n_estimators: 10\n  max_depth: null\n  max_features: sqrt\n  min_samples_split: 2\n  random_state: ${train.seed}\n',
    });
    roots.push(root);
    const todo = errorOf(() => composeConfig({ root, model: 'todo', env: {} }));
    expect(todo).toMatchObject({
      code: 'MANDATORY_MISSING',
      file: 'configs/model/todo.yaml',
      key: 'model.C',
    });
    expect(todo.message).toBe(
      'configs/model/todo.yaml: model.C is mandatory (???) and has no value (set it, e.g. model.C=<value>)',
    );
    expect(
      composeConfig({ root, model: 'todo', overrides: ['model.C=0.3'], env: {} }).config.model,
    ).toMatchObject({ C: 0.3 });
    expect(errorOf(() => composeConfig({ root, model: 'unclosed', env: {} })).message).toBe(
      "configs/model/unclosed.yaml: note: unclosed interpolation in 'x${model' (add the missing '}')",
    );
    expect(errorOf(() => composeConfig({ root, model: 'badref', env: {} })).message).toBe(
      'configs/model/badref.yaml: model.random_state refers to ${train.seed}, but key train.seed does not exist (fix the reference or define the key)',
    );
  });
});
