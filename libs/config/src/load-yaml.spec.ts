import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadYamlMap } from './load-yaml';

describe('loadYamlMap', () => {
  const root = mkdtempSync(join(tmpdir(), 'cellar-yaml-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('parses a file once while its text is unchanged, and again once it changes', () => {
    writeFileSync(join(root, 'a.yaml'), 'model:\n  C: 1\n');
    const first = loadYamlMap(root, 'a.yaml');
    expect(loadYamlMap(root, 'a.yaml')).toBe(first);
    writeFileSync(join(root, 'a.yaml'), 'model:\n  C: 2\n');
    const edited = loadYamlMap(root, 'a.yaml');
    expect(edited).not.toBe(first);
    expect(edited).toEqual({ model: { C: 2 } });
    expect(first).toEqual({ model: { C: 1 } });
  });

  it('hands out frozen values, so that no caller changes what the others read', () => {
    writeFileSync(join(root, 'b.yaml'), 'train:\n  random_state: 42\nlist: [1, 2]\n');
    const value = loadYamlMap(root, 'b.yaml') as { train: { random_state: number }; list: number[] };
    expect(() => {
      value.train.random_state = 7;
    }).toThrow(TypeError);
    expect(() => value.list.push(3)).toThrow(TypeError);
    expect(loadYamlMap(root, 'b.yaml')).toEqual({ train: { random_state: 42 }, list: [1, 2] });
  });

  it('still reports a bad file every time it is read', () => {
    writeFileSync(join(root, 'c.yaml'), '- a list\n');
    for (let i = 0; i < 2; i++)
      expect(() => loadYamlMap(root, 'c.yaml')).toThrow('c.yaml: top level must be a mapping');
  });
});
