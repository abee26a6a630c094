import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error';
import { parseOverride } from './override';

describe('parseOverride', () => {
  it('parses the four override forms', () => {
    expect(parseOverride('model.C=0.5')).toEqual({
      action: 'set',
      key: 'model.C',
      path: ['model', 'C'],
      value: 0.5,
      hasValue: true,
      text: 'model.C=0.5',
    });
    expect(parseOverride('+model.extra=1')).toMatchObject({ action: 'add', key: 'model.extra', value: 1 });
    expect(parseOverride('++a.b.c=x')).toMatchObject({ action: 'force', path: ['a', 'b', 'c'], value: 'x' });
    expect(parseOverride('~model.tol')).toEqual({
      action: 'delete',
      key: 'model.tol',
      path: ['model', 'tol'],
      hasValue: false,
      text: '~model.tol',
    });
    expect(parseOverride('~model.tol=0.0001')).toMatchObject({
      action: 'delete',
      hasValue: true,
      value: 0.0001,
    });
    expect(parseOverride('  model.C = 2 ')).toMatchObject({ key: 'model.C', value: 2, text: 'model.C = 2' });
  });

  it.each<[string, unknown]>([
    ['1', 1],
    ['-3', -3],
    ['1_000', 1000],
    ['0.1', 0.1],
    ['1e-3', 0.001],
    ['.5', 0.5],
    ['-2.5E2', -250],
    ['inf', Infinity],
    ['-inf', -Infinity],
    ['true', true],
    ['False', false],
    ['null', null],
    ['NULL', null],
    ["'0.1'", '0.1'],
    ['"a,b"', 'a,b'],
    ["'it\\'s'", "it's"],
    ['sqrt', 'sqrt'],
    ['hello world', 'hello world'],
    ['', ''],
    ['[a, 1, null]', ['a', 1, null]],
    ['[]', []],
    ['[[1,2],[3]]', [[1, 2], [3]]],
    ["['fixed acidity', pH]", ['fixed acidity', 'pH']],
    ['{a: 1, b: [x, y]}', { a: 1, b: ['x', 'y'] }],
    ['{}', {}],
    ['${train.random_state}', '${train.random_state}'],
    ['${env:X,a,b}', '${env:X,a,b}'],
  ])('value %s parses like Hydra', (text, expected) => {
    expect(parseOverride(`k=${text}`).value).toEqual(expected);
  });

  it('keeps NaN as NaN', () => {
    expect(parseOverride('k=nan').value).toBeNaN();
  });

  it.each([
    ['', "override '': empty override (expected key.path=value)"],
    ['model.C', "override 'model.C': missing '=' (expected key.path=value)"],
    ['+model.C', "override '+model.C': missing '=' (expected +key.path=value)"],
    ['++model.C', "override '++model.C': missing '=' (expected ++key.path=value)"],
    [
      'model..C=1',
      "override 'model..C=1': 'model..C' is not a valid key path (expected dot-separated names like model.C)",
    ],
    ['=1', "override '=1': '' is not a valid key path (expected dot-separated names like model.C)"],
    [
      'model.C=0.1,1',
      "override 'model.C=0.1,1': '0.1,1' is a sweep (comma list); quote it ('0.1,1') for a string or put it in a sweep file",
    ],
    [
      'model.C=range(1,3)',
      "override 'model.C=range(1,3)': 'range(1,3)' is a sweep expression; put it in configs/sweep/<name>.yaml",
    ],
    ['k=[a,b', "override 'k=[a,b': missing ']'"],
    ['k=a]', "override 'k=a]': unexpected ']' at character 2"],
    ["k='abc", "override 'k='abc': unterminated ' quote"],
    ['k={a}', "override 'k={a}': map entry 'a' needs 'key: value'"],
  ])('rejects %j', (text, message) => {
    let err: unknown;
    try {
      parseOverride(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('OVERRIDE_SYNTAX');
    expect((err as ConfigError).message).toBe(message);
  });
});
