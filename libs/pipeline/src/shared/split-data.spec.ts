import { afterAll, describe, expect, it } from 'vitest';
import { loadCsvDataset, sklearnTrainTestSplit } from '@cellar/data';
import { join } from 'node:path';
import { wineWorkspace } from '../testing/wine-workspace';
import { composePipeline } from './compose-pipeline';
import { loadSplitData } from './split-data';

const ws = wineWorkspace();
afterAll(() => ws.dispose());

async function split(overrides: string[]) {
  const pipeline = ws.addPipeline('p', 'logreg');
  const { composed } = composePipeline(ws.root, pipeline, overrides);
  return loadSplitData(ws.root, composed);
}

describe('loadSplitData: the data config picks the split', () => {
  it("sklearn: scikit-learn's stratified train_test_split rows, in its order", async () => {
    const { train, test } = await split(['data.split.method=sklearn']);
    const all = loadCsvDataset(join(ws.root, 'data/external/WineQT.csv'), {
      featureColumns: [],
      targetColumn: 'quality',
      excludeColumns: ['Id'],
    });
    const want = sklearnTrainTestSplit(all.target, { testSize: 0.2, randomState: 42, stratify: true });
    expect(test.nRows).toBe(229);
    expect(Array.from(test.columns[0])).toEqual(Array.from(want.test, (r) => all.columns[0][r]));
    expect(Array.from(train.target)).toEqual(Array.from(want.train, (r) => all.target[r]));
    const stratified = await split([]);
    expect(Array.from(stratified.test.columns[0])).not.toEqual(Array.from(test.columns[0]));
  });

  it('group: no value of the group column on both sides, and it is not a feature', async () => {
    const { train, test } = await split([
      'data.split.method=group',
      'data.split.column=alcohol',
      'data.features=null',
    ]);
    const seen = new Set(train.kept!.alcohol);
    expect(test.kept!.alcohol.filter((v) => seen.has(v))).toEqual([]);
    expect(train.featureNames).not.toContain('alcohol');
    expect(train.nRows + test.nRows).toBe(1143);
    expect(test.nRows).toBeGreaterThanOrEqual(229);
  });

  it('time: every test row comes after every train row in the order column', async () => {
    const { train, test } = await split(['data.split.method=time', 'data.split.column=Id']);
    const maxTrain = Math.max(...train.kept!.Id.map(Number));
    expect(Math.min(...test.kept!.Id.map(Number))).toBeGreaterThan(maxTrain);
    expect(test.nRows).toBe(229);
  });

  it('refuses a group or time column the file does not have, naming it', async () => {
    await expect(split(['data.split.method=time', 'data.split.column=when'])).rejects.toMatchObject({
      message: expect.stringContaining("'when'"),
    });
  });
});
