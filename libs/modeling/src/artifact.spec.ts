import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  fromArtifact,
  predictTable,
  readModelArtifact,
  serializeArtifact,
  toArtifact,
  writeModelArtifact,
} from './artifact';
import { ModelError } from './errors';
import { fitModel, predict, predictProba } from './model';
import { readWine, stratifiedSplit, takeRows } from './testing/wine';
import type { ModelSpec } from './types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-modeling-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const wine = readWine();
const split = stratifiedSplit(wine.y, 0.2, 42);
const train = takeRows(wine, split.train);
const test = takeRows(wine, split.test);
const meta = { configHash: 'abc123', dataMd5: 'd41d8cd98f00b204e9800998ecf8427e' };
const specs: ModelSpec[] = [
  { type: 'logreg', C: 1, maxIter: 1000, tol: 1e-4 },
  {
    type: 'random_forest',
    nEstimators: 20,
    maxDepth: null,
    maxFeatures: 'sqrt',
    minSamplesSplit: 2,
    randomState: 42,
  },
  {
    type: 'gradient_boosting',
    learningRate: 0.1,
    nEstimators: 20,
    maxDepth: 3,
    subsample: 0.8,
    randomState: 42,
  },
];

function expectModelError(fn: () => unknown, code: string, message: string | RegExp): void {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).code).toBe(code);
    expect((err as ModelError).message).toMatch(message);
    return;
  }
  throw new Error(`expected ModelError ${code}`);
}

describe.each(specs)('$type artifact', (spec) => {
  const model = fitModel(spec, train);
  const artifact = toArtifact(model, meta);

  it('round-trips through a file with identical predictions and bytes', () => {
    const file = path.join(dir, spec.type, 'model.json');
    writeModelArtifact(file, artifact);
    expect(fs.readdirSync(path.dirname(file))).toEqual(['model.json']);
    const back = readModelArtifact(file);
    expect(back.configHash).toBe('abc123');
    expect(back.classes).toEqual([3, 4, 5, 6, 7, 8]);
    const restored = fromArtifact(back);
    expect(predictProba(restored, test.columns)).toEqual(predictProba(model, test.columns));
    expect(serializeArtifact(toArtifact(restored, meta))).toBe(fs.readFileSync(file, 'utf8'));
  });

  it('is deterministic: two fits give the same bytes, another seed does not', () => {
    const again = serializeArtifact(toArtifact(fitModel(spec, train), meta));
    expect(again).toBe(serializeArtifact(artifact));
    if (spec.type !== 'logreg') {
      const other = serializeArtifact(toArtifact(fitModel({ ...spec, randomState: 43 }, train), meta));
      expect(other).not.toBe(again);
    }
  });

  it('predicts a table by feature name, in any column order', () => {
    const columns: Record<string, Float64Array> = { extra: new Float64Array(test.y.length) };
    [...test.featureNames]
      .reverse()
      .forEach((name) => (columns[name] = test.columns[test.featureNames.indexOf(name)]));
    const out = predictTable(artifact, { columns });
    expect(out.labels).toEqual(predict(model, test.columns));
    expect(out.classes).toEqual([3, 4, 5, 6, 7, 8]);
    expect(out.proba).toHaveLength(test.y.length);
    const byClass = predictProba(model, test.columns);
    expect(Array.from(out.proba[7])).toEqual(byClass.map((col) => col[7]));
    const positional = predictTable(artifact, { featureNames: test.featureNames, columns: test.columns });
    expect(positional.labels).toEqual(out.labels);
  });
});

describe('artifact rejection', () => {
  const artifact = toArtifact(fitModel(specs[1], train), meta);

  function writeRaw(name: string, text: string): string {
    const file = path.join(dir, name);
    fs.writeFileSync(file, text);
    return file;
  }

  it('serializes with sorted keys and no volatile fields', () => {
    const text = serializeArtifact(artifact);
    expect(text.startsWith('{"classes":[3,4,5,6,7,8],"configHash":"abc123","dataMd5":')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
  });

  it('rejects a missing file, non-JSON, other kind, other formatVersion and malformed trees, naming the file', () => {
    const missing = path.join(dir, 'nope.json');
    expectModelError(
      () => readModelArtifact(missing),
      'ARTIFACT_NOT_FOUND',
      `${missing}: model artifact not found`,
    );
    const bad = writeRaw('bad.json', '{"formatVersion": 1,');
    expectModelError(
      () => readModelArtifact(bad),
      'ARTIFACT_NOT_JSON',
      new RegExp(`^${bad}: not valid JSON`),
    );
    const kind = writeRaw('kind.json', JSON.stringify({ ...artifact, kind: 'sklearn-pickle' }));
    expectModelError(
      () => readModelArtifact(kind),
      'ARTIFACT_KIND',
      `${kind}: kind must be 'cellar-model' (got "sklearn-pickle")`,
    );
    const v2 = writeRaw('v2.json', JSON.stringify({ ...artifact, formatVersion: 2 }));
    expectModelError(
      () => readModelArtifact(v2),
      'ARTIFACT_VERSION',
      `${v2}: formatVersion 2 is not supported (this Cellar reads 1)`,
    );
    const est = JSON.parse(JSON.stringify(artifact.estimator));
    est.trees[3].left[0] = 0;
    const loop = writeRaw('loop.json', JSON.stringify({ ...artifact, estimator: est }));
    expectModelError(
      () => readModelArtifact(loop),
      'ARTIFACT_MALFORMED',
      `${loop}: estimator.trees[3] node 0 has invalid children or feature`,
    );
    const noScale = writeRaw(
      'scale.json',
      JSON.stringify({ ...artifact, scaler: { mean: [1], scale: [1] } }),
    );
    expectModelError(
      () => readModelArtifact(noScale),
      'ARTIFACT_MALFORMED',
      /scaler.mean must have 11 entries \(got 1\)/,
    );
  });

  it('names the missing feature column', () => {
    const columns: Record<string, Float64Array> = {};
    test.featureNames.forEach((name, j) => name !== 'alcohol' && (columns[name] = test.columns[j]));
    expectModelError(
      () => predictTable(artifact, { columns }),
      'MISSING_FEATURE',
      /^feature column 'alcohol' is missing from the input table/,
    );
  });
});
