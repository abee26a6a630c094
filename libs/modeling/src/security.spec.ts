// Hostile or corrupt inputs: model artifacts with non-finite numbers, and the scaler's
// constant-column rule checked against scikit-learn's StandardScaler.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  readModelArtifact,
  serializeArtifact,
  toArtifact,
  type ModelArtifact,
  type TreeJson,
} from './artifact';
import { ModelError } from './errors';
import { fitModel } from './model';
import { fitScaler } from './scaler';
import { readWine, stratifiedSplit, takeRows } from './testing/wine';
import type { ModelSpec } from './types';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-modeling-security-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const wine = readWine();
const train = takeRows(wine, stratifiedSplit(wine.y, 0.2, 42).train);
const meta = { configHash: 'abc123', dataMd5: 'd41d8cd98f00b204e9800998ecf8427e' };
const SPECS: Record<ModelSpec['type'], ModelSpec> = {
  logreg: { type: 'logreg', C: 1, maxIter: 200, tol: 1e-4 },
  random_forest: {
    type: 'random_forest',
    nEstimators: 3,
    maxDepth: 4,
    maxFeatures: 'sqrt',
    minSamplesSplit: 2,
    randomState: 42,
  },
  gradient_boosting: {
    type: 'gradient_boosting',
    learningRate: 0.1,
    nEstimators: 3,
    maxDepth: 2,
    subsample: 1,
    randomState: 42,
  },
};
const artifacts = new Map<string, ModelArtifact>();
function artifactOf(type: ModelSpec['type']): ModelArtifact {
  if (!artifacts.has(type)) artifacts.set(type, toArtifact(fitModel(SPECS[type], train), meta));
  return artifacts.get(type) as ModelArtifact;
}

// JSON cannot say Infinity, but JSON.parse reads 1e999 as Infinity: put a marker, then swap its text.
const MARK = 7.123456789e77;
const TEXT: Record<string, string> = { Infinity: '1e999', '-Infinity': '-1e999' };
function firstLeaf(t: TreeJson): number {
  return t.left.indexOf(-1);
}

type Edit = (a: ModelArtifact & { estimator: Record<string, unknown> }) => number | void;
const cases: [string, ModelSpec['type'], Edit, number, string][] = [
  [
    'a logreg coefficient',
    'logreg',
    (a) => ((a.estimator.coef as number[][])[2][5] = MARK),
    Infinity,
    'estimator.coef[2][5] is not a finite number (got Infinity)',
  ],
  [
    'a logreg intercept',
    'logreg',
    (a) => ((a.estimator.intercept as number[])[0] = MARK),
    -Infinity,
    'estimator.intercept[0] is not a finite number (got -Infinity)',
  ],
  [
    'a scaler mean',
    'logreg',
    (a) => (a.scaler.mean[1] = MARK),
    Infinity,
    'scaler.mean[1] is not a finite number (got Infinity)',
  ],
  ['a zero scale', 'logreg', (a) => (a.scaler.scale[3] = 0), 0, 'scaler.scale[3] must be > 0 (got 0)'],
  [
    'a negative scale',
    'random_forest',
    (a) => (a.scaler.scale[0] = -2.5),
    -2.5,
    'scaler.scale[0] must be > 0 (got -2.5)',
  ],
  [
    'an infinite scale',
    'random_forest',
    (a) => (a.scaler.scale[10] = MARK),
    Infinity,
    'scaler.scale[10] is not a finite number (got Infinity)',
  ],
  [
    'a tree threshold',
    'random_forest',
    (a) => ((a.estimator.trees as TreeJson[])[1].threshold[0] = MARK),
    Infinity,
    'estimator.trees[1].threshold[0] is not a finite number (got Infinity)',
  ],
  [
    'a tree leaf value',
    'random_forest',
    (a) => {
      const t = (a.estimator.trees as TreeJson[])[2];
      t.value[firstLeaf(t) * t.width + 1] = MARK;
    },
    -Infinity,
    'estimator.trees[2].value[LEAF] is not a finite number (got -Infinity)',
  ],
  [
    'a boosting init value',
    'gradient_boosting',
    (a) => ((a.estimator.init as number[])[4] = MARK),
    Infinity,
    'estimator.init[4] is not a finite number (got Infinity)',
  ],
  [
    'a boosting leaf value',
    'gradient_boosting',
    (a) => {
      const t = (a.estimator.stages as TreeJson[][])[2][1];
      t.value[firstLeaf(t)] = MARK;
    },
    Infinity,
    'estimator.stages[2][1].value[LEAF] is not a finite number (got Infinity)',
  ],
  [
    'a boosting threshold',
    'gradient_boosting',
    (a) => ((a.estimator.stages as TreeJson[][])[0][3].threshold[0] = MARK),
    -Infinity,
    'estimator.stages[0][3].threshold[0] is not a finite number (got -Infinity)',
  ],
  [
    'an infinite learning rate',
    'gradient_boosting',
    (a) => (a.estimator.learningRate = MARK),
    Infinity,
    'estimator.learningRate is not a finite number (got Infinity)',
  ],
  [
    'a zero learning rate',
    'gradient_boosting',
    (a) => (a.estimator.learningRate = 0),
    0,
    'estimator.learningRate must be > 0 (got 0)',
  ],
];

describe('readModelArtifact refuses non-finite and impossible numbers', () => {
  it.each(cases)('%s (%s)', (name, type, edit, value, message) => {
    const a = structuredClone(artifactOf(type)) as ModelArtifact & { estimator: Record<string, unknown> };
    edit(a);
    let leaf = -1;
    const trees = (a.estimator.trees ?? (a.estimator.stages as TreeJson[][] | undefined)?.flat()) as
      TreeJson[] | undefined;
    trees?.forEach((t) => t.value.forEach((v, i) => v === MARK && (leaf = i)));
    let text = serializeArtifact(a);
    if (Number.isFinite(value)) expect(text).not.toContain(String(MARK));
    else text = text.replace(JSON.stringify(MARK), TEXT[String(value)]);
    const file = path.join(dir, `${name.replace(/ /g, '-')}.json`);
    fs.writeFileSync(file, text);
    let err: unknown;
    try {
      readModelArtifact(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ModelError);
    expect((err as ModelError).message).toBe(
      `${file}: ${message.replace('LEAF', String(leaf))}; re-create the artifact with the train target`,
    );
    expect((err as ModelError).code).toBe('ARTIFACT_MALFORMED');
    expect((err as ModelError).file).toBe(file);
  });

  it('still reads every untouched artifact', () => {
    for (const type of Object.keys(SPECS) as ModelSpec['type'][]) {
      const file = path.join(dir, `${type}.json`);
      fs.writeFileSync(file, serializeArtifact(artifactOf(type)));
      expect(readModelArtifact(file).spec.type).toBe(type);
    }
  });
});

const PYTHON = '/usr/bin/python3';
const SCALER_SCRIPT = `
import sys, json, numpy as np
from sklearn.preprocessing import StandardScaler
cols = json.load(sys.stdin)
X = np.array(cols, dtype=np.float64).T
s = StandardScaler().fit(X)
print(json.dumps({'mean': s.mean_.tolist(), 'scale': s.scale_.tolist()}))
`;

describe('fitScaler agrees with scikit-learn on (near-)constant columns', () => {
  const n = 1143;
  const constant = (v: number) => new Float64Array(n).fill(v);
  // Two values one ulp apart: scikit-learn calls this constant (its variance is rounding noise).
  const oneUlp = Float64Array.from({ length: n }, (_, i) => (i % 2 ? 100000.3 : 100000.30000000002));
  // A real signal with a tiny spread: must keep its own scale.
  const tiny = Float64Array.from({ length: n }, (_, i) => 0.5 + 1e-12 * (i % 3));
  const tinier = Float64Array.from({ length: n }, (_, i) => 1e-9 * (1 + 1e-3 * (i % 2)));
  const ramp = Float64Array.from({ length: n }, (_, i) => i / 7);
  const columns = [
    constant(0.08),
    constant(0.1),
    constant(1e5 + 0.3),
    constant(-7.77),
    constant(1e-9),
    oneUlp,
    tiny,
    tinier,
    ramp,
  ];

  it('gives scale 1 to constant columns and keeps a tiny-variance column', () => {
    const s = fitScaler(columns);
    expect(s.scale.slice(0, 6)).toEqual([1, 1, 1, 1, 1, 1]);
    // (0, 1e-12, 2e-12) repeating: population std sqrt(2/3) * 1e-12; (0, 1e-12) alternating: 0.5e-12.
    expect(Math.abs(s.scale[6] / (Math.sqrt(2 / 3) * 1e-12) - 1)).toBeLessThan(1e-3);
    expect(Math.abs(s.scale[7] / 0.5e-12 - 1)).toBeLessThan(1e-3);
  });

  it.skipIf(process.env.CELLAR_SKIP_SKLEARN === '1')(
    'matches StandardScaler.scale_ to 1e-12 relative',
    () => {
      const run = spawnSync(PYTHON, ['-c', SCALER_SCRIPT], {
        input: JSON.stringify(columns.map((c) => Array.from(c))),
        encoding: 'utf8',
      });
      if (run.status !== 0)
        throw new Error(
          `scikit-learn is not usable by ${PYTHON} (${run.stderr.trim().split('\n').pop()}): install it (apt-get install python3-sklearn) or set CELLAR_SKIP_SKLEARN=1 to skip this check`,
        );
      const sk = JSON.parse(run.stdout) as { mean: number[]; scale: number[] };
      const ours = fitScaler(columns);
      sk.scale.forEach((want, j) => {
        if (want === 1) expect(ours.scale[j], `column ${j}`).toBe(1);
        else expect(Math.abs(ours.scale[j] - want) / want, `column ${j}`).toBeLessThan(1e-12);
      });
      // numpy sums pairwise, so the means differ in the last digits.
      sk.mean.forEach((want, j) =>
        expect(Math.abs(ours.mean[j] - want) / Math.abs(want), `column ${j}`).toBeLessThan(1e-12),
      );
    },
  );
});
