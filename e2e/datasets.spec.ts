// Two data sets in one workspace through real `nx` (issue 9): each pipeline hashes and pulls only its
// own data set, so editing one data set's pointer affects only the pipelines that train on it.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './workspace';

let ws: TempWorkspace;
const write = (file: string, text: string) => {
  mkdirSync(join(ws.root, file, '..'), { recursive: true });
  writeFileSync(join(ws.root, file), text);
};
const pointer = (md5: string) => `outs:\n- md5: ${md5}\n  size: 4551\n  hash: md5\n  path: iris.csv\n`;
const WINE = ['wine-gradient-boosting', 'wine-logreg', 'wine-random-forest'];

beforeAll(() => {
  ws = createTempWorkspace('cellar-datasets-');
  write(
    'configs/data/iris.yaml',
    [
      'path: data/iris/iris.csv',
      'pointer: data/iris/iris.csv.dvc',
      'target: species',
      'features: null',
      'exclude: []',
      'split:',
      '  method: stratified',
      '  test_size: 0.3',
      '  random_state: 7',
      '',
    ].join('\n'),
  );
  write('data/iris/iris.csv.dvc', pointer('0123456789abcdef0123456789abcdef'));
  write('apps/iris-logreg/pipeline.yaml', 'data: iris\nmodel: logreg\n');
  write('apps/iris-forest/pipeline.yaml', 'data: iris\nmodel: random_forest\n');
  ws.git(['add', '-A']);
  ws.git(['commit', '-qm', 'iris']);
});
afterAll(() => ws?.dispose());

const affected = (): string[] => {
  const r = ws.nx(['show', 'projects', '--affected', '--base=HEAD']);
  expect(r.code, r.output).toBe(0);
  return r.stdout.trim().split('\n').filter(Boolean).sort();
};

describe('pipelines on two data sets', () => {
  it('each pipeline pulls and hashes only its own pointer and data config', () => {
    const r = ws.nx(['show', 'project', 'iris-logreg', '--json']);
    expect(r.code, r.output).toBe(0);
    const p = JSON.parse(r.stdout);
    expect(p.tags).toEqual(['type:pipeline', 'data:iris', 'model:logreg']);
    expect(p.targets['pull-data'].options.command).toMatch(
      /node libs\/nx\/bin\/cellar-nx\.js pull --pointer=data\/iris\/iris\.csv\.dvc$/,
    );
    expect(p.targets.train.dependsOn).toEqual(['pull-data']);
    const inputs = ws.nx(['show', 'target', 'inputs', 'iris-logreg:train', '--json']);
    expect(inputs.code, inputs.output).toBe(0);
    const files: string[] = JSON.parse(inputs.stdout).files;
    expect(files).toContain('configs/data/iris.yaml');
    expect(files).toContain('data/iris/iris.csv.dvc');
    expect(files).not.toContain('configs/data/wine.yaml');
    expect(files).not.toContain('data/external/WineQT.csv.dvc');
  });

  it("editing iris's pointer affects only the iris pipelines", () => {
    const file = join(ws.root, 'data/iris/iris.csv.dvc');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, pointer('fedcba9876543210fedcba9876543210'));
    try {
      // `data` owns the pointer file, so it is affected too; no wine pipeline or sweep point is.
      expect(affected()).toEqual(['data', 'iris-forest', 'iris-logreg']);
    } finally {
      writeFileSync(file, original);
    }
  });

  it("editing iris's data config affects only the iris pipelines; wine's pointer only wine's", () => {
    const config = join(ws.root, 'configs/data/iris.yaml');
    const text = readFileSync(config, 'utf8');
    writeFileSync(config, text.replace('test_size: 0.3', 'test_size: 0.25'));
    try {
      expect(affected()).toEqual(['iris-forest', 'iris-logreg']);
    } finally {
      writeFileSync(config, text);
    }
    const wine = join(ws.root, 'data/external/WineQT.csv.dvc');
    const original = readFileSync(wine, 'utf8');
    writeFileSync(wine, original.replace('size: 78057', 'size: 78058'));
    try {
      const names = affected();
      expect(names.filter((n) => !n.startsWith('wine-experiments-point-'))).toEqual([
        'data',
        'wine-experiments',
        ...WINE,
      ]);
      expect(names.filter((n) => n.startsWith('wine-experiments-point-'))).toHaveLength(15);
      expect(names.some((n) => n.startsWith('iris-'))).toBe(false);
    } finally {
      writeFileSync(wine, original);
    }
  });
});
