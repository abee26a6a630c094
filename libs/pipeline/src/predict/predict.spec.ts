import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { wineWorkspace } from '../testing/wine-workspace';
import { trainPipeline } from '../train/train';
import { predictionsCsv, predictPipeline } from './predict';

describe('predictionsCsv', () => {
  it('writes Id (when present), the prediction and one probability column per class', () => {
    const proba = [Float64Array.of(0.25, 0.75), Float64Array.of(0.9, 0.1)];
    expect(predictionsCsv([['Id', ['7', '9']]], [6, 5], proba, [5, 6])).toBe(
      'Id,prediction,proba_5,proba_6\n7,6,0.250000,0.750000\n9,5,0.900000,0.100000\n',
    );
    expect(predictionsCsv([], [6], [proba[0]], [5, 6])).toBe(
      'prediction,proba_5,proba_6\n6,0.250000,0.750000\n',
    );
  });
});

describe('predictPipeline', () => {
  const ws = wineWorkspace();
  afterAll(() => ws.dispose());

  it("scores the config's data file by default, one row per input row", async () => {
    const pipeline = ws.addPipeline('wine-logreg', 'logreg');
    await trainPipeline({
      root: ws.root,
      project: 'wine-logreg',
      projectRoot: 'apps/wine-logreg',
      pipeline,
      track: false,
    });
    const r = await predictPipeline({
      root: ws.root,
      projectRoot: 'apps/wine-logreg',
      pipeline,
      output: 'apps/wine-logreg/predictions/predictions.csv',
    });
    expect(r).toEqual({
      input: 'data/external/WineQT.csv',
      output: 'apps/wine-logreg/predictions/predictions.csv',
      rows: 1143,
    });
    const lines = readFileSync(join(ws.root, r.output), 'utf8').trim().split('\n');
    expect(lines[0]).toBe('Id,prediction,proba_3,proba_4,proba_5,proba_6,proba_7,proba_8');
    expect(lines).toHaveLength(1144);
    expect(lines[1]).toMatch(/^0,[3-8](,0\.\d{6}|,1\.000000){6}$/);
  });
});
