import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { parseYaml } from './load-yaml';
import { loadPipelineSpec } from './pipeline-spec';
import { loadSweep } from './sweep';
import { errorOf, makeWorkspace, removeWorkspace, REPO_ROOT } from './test-workspace';

const HINT = '(__proto__, constructor and prototype are reserved names; rename the key)';
const base = fs.readFileSync(path.join(REPO_ROOT, 'configs/train/base.yaml'), 'utf8');
const logreg = fs.readFileSync(path.join(REPO_ROOT, 'configs/model/logreg.yaml'), 'utf8');
const sweep = (params: string) => `metric: accuracy\ngrid:\n  - model: logreg\n    params:\n${params}`;

const roots: string[] = [];
function workspace(files: Record<string, string>): string {
  const root = makeWorkspace(files);
  roots.push(root);
  return root;
}
afterAll(() => roots.forEach(removeWorkspace));

// Whatever a case managed to pollute must not leak into the next case.
const PROBES = ['polluted', 'x', 'y'];
const proto = Object.prototype as unknown as Record<string, unknown>;
afterEach(() => PROBES.forEach((k) => delete proto[k]));
function expectClean(): void {
  for (const k of PROBES) expect(({} as Record<string, unknown>)[k], `Object.prototype.${k}`).toBeUndefined();
}

function composeError(
  root: string,
  opts: { model?: string; overrides?: string[]; pipelineOverrides?: string[] },
) {
  const err = errorOf(() =>
    composeConfig({
      root,
      model: opts.model ?? 'logreg',
      overrides: opts.overrides,
      pipelineOverrides: opts.pipelineOverrides,
      pipelineFile: opts.pipelineOverrides ? 'apps/evil/pipeline.yaml' : undefined,
      env: {},
    }),
  );
  expectClean();
  return err;
}

describe('reserved keys in config YAML', () => {
  it.each<[string, Record<string, string>, string, string]>([
    [
      'top-level __proto__ in base.yaml',
      { 'configs/train/base.yaml': `${base}__proto__:\n  polluted: 1\n` },
      'logreg',
      `configs/train/base.yaml: key '__proto__' is not allowed ${HINT}`,
    ],
    [
      'nested notify.__proto__ in base.yaml',
      { 'configs/train/base.yaml': base.replace('notify:\n', 'notify:\n  __proto__:\n    x: 1\n') },
      'logreg',
      `configs/train/base.yaml: key 'notify.__proto__' is not allowed ${HINT}`,
    ],
    [
      'nested model.__proto__ in a model file',
      { 'configs/model/evil.yaml': `${logreg}  __proto__:\n    polluted: 1\n` },
      'evil',
      `configs/model/evil.yaml: key 'model.__proto__' is not allowed ${HINT}`,
    ],
    [
      'top-level constructor in a model file',
      { 'configs/model/evil.yaml': `${logreg}constructor:\n  prototype:\n    y: 1\n` },
      'evil',
      `configs/model/evil.yaml: key 'constructor' is not allowed ${HINT}`,
    ],
    [
      'prototype under a list item',
      { 'configs/model/evil.yaml': `${logreg}extra:\n  - a: 1\n  - prototype: 2\n` },
      'evil',
      `configs/model/evil.yaml: key 'extra.1.prototype' is not allowed ${HINT}`,
    ],
  ])('%s', (_, files, model, message) => {
    const err = composeError(workspace(files), { model });
    expect(err.message).toBe(message);
    expect(err.code).toBe('RESERVED_KEY');
  });

  it('allows the names inside values and as parts of longer keys', () => {
    const root = workspace({
      'configs/model/ok.yaml': `${logreg}  constructor_args: 1\nnote: __proto__\n`,
    });
    const err = errorOf(() => composeConfig({ root, model: 'ok', env: {} }));
    // The keys reach validation (unknown key) rather than being refused as reserved.
    expect(err.code).toBe('UNKNOWN_KEY');
  });
});

describe('reserved keys in overrides', () => {
  it.each<[string, string]>([
    ['+__proto__.polluted=1', '__proto__.polluted'],
    ['+constructor.prototype.y=1', 'constructor.prototype.y'],
    ['++__proto__=1', '__proto__'],
    ['model.__proto__.x=1', 'model.__proto__.x'],
    ['++model.prototype=1', 'model.prototype'],
    ['~constructor', 'constructor'],
  ])('command line %s', (ov, key) => {
    const err = composeError(REPO_ROOT, { overrides: [ov] });
    expect(err.message).toBe(`override '${ov}': key '${key}' is not allowed ${HINT}`);
    expect(err.code).toBe('RESERVED_KEY');
  });

  it('a map value with a reserved key', () => {
    const err = composeError(REPO_ROOT, { overrides: ['+extra={__proto__: {polluted: 1}}'] });
    expect(err.message).toBe(
      `override '+extra={__proto__: {polluted: 1}}': key 'extra.__proto__' is not allowed ${HINT}`,
    );
    expect(err.code).toBe('RESERVED_KEY');
  });

  it('from a pipeline.yaml overrides list (compose and load)', () => {
    const err = composeError(REPO_ROOT, { pipelineOverrides: ['+__proto__.polluted=1'] });
    expect(err.message).toBe(
      `apps/evil/pipeline.yaml: override '+__proto__.polluted=1': key '__proto__.polluted' is not allowed ${HINT}`,
    );
    expect(err.code).toBe('RESERVED_KEY');

    const root = workspace({
      'apps/evil/pipeline.yaml':
        "model: logreg\noverrides:\n  - model.C=1\n  - '+constructor.prototype.y=1'\n",
    });
    const spec = errorOf(() => loadPipelineSpec(root, 'apps/evil/pipeline.yaml'));
    expectClean();
    expect(spec.message).toBe(
      `apps/evil/pipeline.yaml: override '+constructor.prototype.y=1': key 'constructor.prototype.y' is not allowed ${HINT}`,
    );
    expect(spec.code).toBe('RESERVED_KEY');
  });

  it('a pipeline.yaml with a __proto__ key', () => {
    const root = workspace({ 'apps/evil/pipeline.yaml': 'model: logreg\n__proto__:\n  polluted: 1\n' });
    const err = errorOf(() => loadPipelineSpec(root, 'apps/evil/pipeline.yaml'));
    expectClean();
    expect(err.message).toBe(`apps/evil/pipeline.yaml: key '__proto__' is not allowed ${HINT}`);
  });
});

describe('reserved keys in sweep files', () => {
  it.each<[string, string, string]>([
    [
      'a params key path',
      sweep('      +__proto__.polluted: 1,2\n'),
      `configs/sweep/evil.yaml: grid.0.params: key '+__proto__.polluted' is not allowed ${HINT}`,
    ],
    [
      'a nested params key path',
      sweep('      model.constructor.prototype.y: 1\n'),
      `configs/sweep/evil.yaml: grid.0.params: key 'model.constructor.prototype.y' is not allowed ${HINT}`,
    ],
    [
      'a YAML __proto__ key under params',
      sweep('      __proto__:\n        polluted: 1\n'),
      `configs/sweep/evil.yaml: key 'grid.0.params.__proto__' is not allowed ${HINT}`,
    ],
    [
      'a map value with a reserved key',
      sweep("      +extra: '{prototype: 1}'\n"),
      `configs/sweep/evil.yaml: grid.0.params.+extra: override '+extra={prototype: 1}': key 'extra.prototype' is not allowed ${HINT}`,
    ],
  ])('%s', (_, text, message) => {
    const root = workspace({ 'configs/sweep/evil.yaml': text });
    const err = errorOf(() => loadSweep(root, 'evil'));
    expectClean();
    expect(err.message).toBe(message);
    expect(err.code).toBe('RESERVED_KEY');
  });
});

describe('parseYaml', () => {
  it('names the file when an alias bomb is cut off', () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i <= 6; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const err = errorOf(() => parseYaml(bomb.join('\n'), 'configs/model/bomb.yaml'));
    expect(err.message).toBe(
      'configs/model/bomb.yaml: YAML aliases expand past the limit of 1000 (the file looks like an alias bomb; use fewer nested *alias references)',
    );
    expect(err.code).toBe('YAML_ALIAS_LIMIT');
  });
});
