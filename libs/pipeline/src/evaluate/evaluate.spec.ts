import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wineWorkspace } from '../testing/wine-workspace';
import { trainPipeline } from '../train/train';
import { evaluatePipeline, type EvaluationReport } from './evaluate';

const ws = wineWorkspace();
let pipeline = '';
const o = () => ({ root: ws.root, projectRoot: 'apps/wine-logreg', pipeline });
beforeAll(async () => {
  pipeline = ws.addPipeline('wine-logreg', 'logreg');
  await trainPipeline({ ...o(), project: 'wine-logreg', track: false });
});
afterAll(() => ws.dispose());

describe('evaluatePipeline', () => {
  it("scores the project's model.json on the held-out split and writes the report and the picture", async () => {
    const { report, files } = await evaluatePipeline(o());
    expect(files).toEqual({
      report: 'apps/wine-logreg/reports/metrics_detailed.json',
      confusionSvg: 'apps/wine-logreg/reports/confusion_matrix.svg',
    });
    const written = JSON.parse(readFileSync(join(ws.root, files.report), 'utf8')) as EvaluationReport;
    expect(written).toEqual(report);
    const model = JSON.parse(readFileSync(join(ws.root, 'apps/wine-logreg/model.json'), 'utf8'));
    expect(report).toMatchObject({ model_type: 'logreg', n_test: 229, accuracy: 0.6157205240174672 });
    expect(report.config_hash).toBe(model.configHash);
    expect(report.confusion_matrix.labels).toEqual([3, 4, 5, 6, 7, 8]);
    expect(report.confusion_matrix.matrix.flat().reduce((a, b) => a + b, 0)).toBe(229);
    expect(readFileSync(join(ws.root, files.confusionSvg), 'utf8')).toMatch(
      /^<svg[^>]*>[\s\S]*logreg — accuracy 0\.616/,
    );
  });

  it('refuses a model trained with other overrides', async () => {
    await expect(evaluatePipeline({ ...o(), overrides: ['model.C=0.5'] })).rejects.toMatchObject({
      code: 'STALE_MODEL',
      file: 'apps/wine-logreg/model.json',
      message: expect.stringMatching(
        /^apps\/wine-logreg\/model\.json was trained with another config \(hash [0-9a-f]{12}, current [0-9a-f]{12}\): run the train target again$/,
      ),
    });
  });
});
