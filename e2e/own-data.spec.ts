// Issue 9: a user's own data set, end to end through real `nx` in one copy of the workspace. The README's
// "Your own data set" section is run block by block (its ```text blocks are the expected output), so
// the docs cannot drift from what the generators and pipelines do; then the cases the README only
// mentions: Parquet against CSV, and a local edit to one data set with the other pipelines running on.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { readmeSection } from './readme';
import { parseWalkthrough, runBlock } from './walkthrough';
import { createTempWorkspace, linkBins, type TempWorkspace } from './workspace';

const HEADING = 'Your own data set';
const CLASSES = ['setosa', 'versicolor', 'virginica'];

let ws: TempWorkspace;
/** Each README block's output, in order. */
const outputs: string[] = [];
const read = (file: string) => readFileSync(join(ws.root, file), 'utf8');
const json = (file: string) => JSON.parse(read(file)) as Record<string, unknown>;
const nx = (...args: string[]) => {
  const r = ws.nx(args);
  expect(r.code, `nx ${args.join(' ')}\n${r.output}`).toBe(0);
  return r.output;
};

beforeAll(() => {
  ws = createTempWorkspace('cellar-own-data-');
  linkBins(ws);
});
afterAll(() => ws?.dispose());

describe('your own data set', () => {
  it(`runs the README's "${HEADING}" blocks in order, each printing what the README shows`, () => {
    const { text, firstLine } = readmeSection(HEADING);
    const blocks = parseWalkthrough(text, { every: true, doc: 'README.md', firstLine });
    const code = blocks.map((b) => b.code).join('\n');
    // the walkthrough the issue asks for, typed as a user types it: no override, no config edit
    for (const line of [
      'npx nx g @cellar/nx:dataset iris --file=data/iris/iris.csv',
      'npx nx g @cellar/nx:pipeline iris-logreg --model=logreg --data=iris',
      'npx nx run-many -t notify',
      'npx nx g @cellar/nx:dataset wine-red --file=data/wine-red/winequality-red.csv',
    ]) {
      expect(code.split('\n')).toContain(line);
    }
    expect(code).not.toMatch(/--target|--overrides|sed |>> ?configs|> ?configs/);
    for (const [i, block] of blocks.entries()) {
      const r = runBlock(block, ws, i, 'README.md');
      if (r.failure) throw new Error(r.failure);
      outputs.push(r.output);
    }
  }, 600_000);

  it('Iris: text labels in the report, the confusion matrix and notify; logistic regression >= 0.93', () => {
    expect(json('apps/iris-logreg/model.json').classNames).toEqual(CLASSES);
    const report = json('apps/iris-logreg/reports/metrics_detailed.json');
    expect(Object.keys(report.classification_report as object)).toEqual(expect.arrayContaining(CLASSES));
    const svg = read('apps/iris-logreg/reports/confusion_matrix.svg');
    for (const name of CLASSES) expect(svg).toMatch(new RegExp(`>${name}<`));
    const notify = outputs.find((o) => o.includes('■ iris-logreg'));
    expect(notify).toMatch(/F1 per class {2}setosa: [\d.]+ {2}versicolor: [\d.]+ {2}virginica: [\d.]+/);
    const metrics = json('apps/iris-logreg/metrics.json');
    expect([metrics.n_train, metrics.n_test]).toEqual([120, 30]);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.93);
    // the data config is exactly what the generator wrote: species confirmed, not edited
    expect(read('configs/data/iris.yaml')).toContain('target: species # GUESSED: confirm');
  }, 600_000);

  it("UCI's format trains on the generated config alone, into the same model as WineQT's wine-logreg", () => {
    const config = parse(read('configs/data/wine-red.yaml'));
    expect(config).toMatchObject({ format: { delimiter: ';' }, target: 'quality', exclude: [] });
    expect(config.features).toHaveLength(11);
    const red = json('apps/wine-red-logreg/model.json');
    const wine = json('apps/wine-logreg/model.json');
    // same rows (WineQT without its Id) and the same split seed: only the file and its config differ
    expect(red.dataMd5).not.toBe(wine.dataMd5);
    expect(red.configHash).not.toBe(wine.configHash);
    expect({ ...red, dataMd5: 0, configHash: 0 }).toEqual({ ...wine, dataMd5: 0, configHash: 0 });
  }, 600_000);

  it('a Parquet file of the same rows trains the same model as the CSV', () => {
    const [header, ...lines] = read('data/iris/iris.csv').trim().split('\n');
    const rows = lines.map((l) => l.split(','));
    const columnData = header.split(',').map((name, j) => ({
      name,
      data: rows.map((r) => (j === 4 ? r[j] : Number(r[j]))),
      type: j === 4 ? ('STRING' as const) : ('DOUBLE' as const),
    }));
    writeFileSync(join(ws.root, 'data/iris/iris.parquet'), Buffer.from(parquetWriteBuffer({ columnData })));
    nx('g', '@cellar/nx:dataset', 'iris-parquet', '--file=data/iris/iris.parquet');
    nx('g', '@cellar/nx:pipeline', 'iris-parquet-logreg', '--model=logreg', '--data=iris-parquet');
    nx('run', 'iris-parquet-logreg:train');
    // The two generated data configs differ in the file and its pointer only...
    const csvConfig = parse(read('configs/data/iris.yaml'));
    const pqConfig = parse(read('configs/data/iris-parquet.yaml'));
    expect(pqConfig).toEqual({
      ...csvConfig,
      path: 'data/iris/iris.parquet',
      pointer: 'data/iris/iris.parquet.dvc',
    });
    // ...so model.json differs in dataMd5 (another file) and configHash (it hashes the composed data
    // config: path, pointer and the group's name, iris vs iris-parquet); scaler, estimator, classes,
    // class names and feature names are the same to the last bit.
    const pq = json('apps/iris-parquet-logreg/model.json');
    const csv = json('apps/iris-logreg/model.json');
    const differing = Object.keys(csv).filter((k) => JSON.stringify(csv[k]) !== JSON.stringify(pq[k]));
    expect(differing.sort()).toEqual(['configHash', 'dataMd5']);
    expect(Object.keys(pq).sort()).toEqual(Object.keys(csv).sort());
    expect(pq.classNames).toEqual(CLASSES);
  }, 600_000);

  it("a local edit to iris.csv: the wine pipelines still run, iris's pull refuses it in one line", () => {
    const file = join(ws.root, 'data/iris/iris.csv');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('5.1,3.5,1.4,0.2,setosa', '5.2,3.5,1.4,0.2,setosa'));
    try {
      const wine = nx('run-many', '-t', 'notify', '-p', 'wine-logreg', 'wine-red-logreg');
      expect(wine).toContain('■ wine-logreg (logreg)');
      expect(wine).toContain('■ wine-red-logreg (logreg)');
      const iris = ws.nx(['run', 'iris-logreg:notify']);
      expect(iris.code).not.toBe(0);
      const message = iris.output
        .split('\n')
        .filter((l) => l.includes('data/iris/iris.csv has local changes'));
      expect(message).toEqual([
        "iris-logreg:pull-data failed: data/iris/iris.csv has local changes (it no longer matches data/iris/iris.csv.dvc): run 'cellar data add data/iris/iris.csv' to track them, or pull with --force to discard them",
      ]);
      expect(iris.output).not.toMatch(/\n\s+at /); // no stack trace
      expect(readFileSync(file, 'utf8')).not.toBe(original); // the edit is kept
    } finally {
      writeFileSync(file, original);
    }
  }, 600_000);
});
