import { describe, expect, it } from 'vitest';
import { fromArtifact, serializeArtifact, toArtifact, type ModelArtifact } from './artifact';
import type { FittedModel } from './model';
import { createRng } from '@cellar/data';
import type { TreeArrays } from './tree';
import { packTree, PACK_MIN_NODES, unpackTree } from './tree-codec';

/** A complete binary tree in breadth-first order (children after parents), leaf rows random. */
function completeTree(depth: number, width: number, seed: number): TreeArrays {
  const rng = createRng(seed);
  const m = 2 ** (depth + 1) - 1;
  const t: TreeArrays = {
    feature: new Int32Array(m),
    threshold: new Float64Array(m),
    left: new Int32Array(m),
    right: new Int32Array(m),
    value: new Float64Array(m * width),
    width,
  };
  for (let i = 0; i < m; i++) {
    const leaf = 2 * i + 1 >= m;
    t.left[i] = leaf ? -1 : 2 * i + 1;
    t.right[i] = leaf ? -1 : 2 * i + 2;
    t.feature[i] = leaf ? -2 : rng.nextInt(3);
    t.threshold[i] = leaf ? -2 : rng.next() - 0.5;
    if (leaf) for (let k = 0; k < width; k++) t.value[i * width + k] = rng.next() / 3;
  }
  return t;
}

function forestModel(trees: TreeArrays[]): FittedModel {
  return {
    spec: {
      type: 'random_forest',
      nEstimators: trees.length,
      maxDepth: null,
      maxFeatures: 'sqrt',
      minSamplesSplit: 2,
      randomState: 1,
    },
    featureNames: ['a', 'b', 'c'],
    classes: [0, 1, 2],
    scaler: { mean: [0, 0, 0], scale: [1, 1, 1] },
    estimator: { type: 'random_forest', trees },
  };
}

describe('packed trees', () => {
  it('round-trips every array exactly, leaf values only', () => {
    const t = completeTree(6, 3, 1);
    expect(unpackTree(packTree(t))).toEqual({
      feature: t.feature,
      threshold: t.threshold,
      left: t.left,
      right: t.right,
      value: t.value,
      width: 3,
    });
    const plain = { feature: [0] };
    expect(unpackTree(plain)).toBe(plain);
  });

  it('packs large forests only, and reads them back to the same model', () => {
    const small = toArtifact(forestModel([completeTree(4, 3, 1)]), { configHash: 'h', dataMd5: 'm' });
    expect(serializeArtifact(small)).toContain('"threshold":[');
    const trees = [completeTree(15, 3, 2), completeTree(15, 3, 3)];
    expect(trees[0].feature.length * 2).toBeGreaterThan(PACK_MIN_NODES);
    const big = toArtifact(forestModel(trees), { configHash: 'h', dataMd5: 'm' });
    const text = serializeArtifact(big);
    expect(text).not.toContain('"threshold"');
    const back = fromArtifact(JSON.parse(text) as ModelArtifact).estimator as { trees: TreeArrays[] };
    const bytes = (a: Int32Array | Float64Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    back.trees.forEach((t, i) => {
      for (const key of ['feature', 'threshold', 'left', 'right', 'value'] as const) {
        expect(bytes(t[key]).equals(bytes(trees[i][key]))).toBe(true);
      }
    });
  });

  it('reports corrupt packed data as a malformed artifact', () => {
    const trees = [completeTree(15, 3, 2), completeTree(15, 3, 3)];
    const a = JSON.parse(
      serializeArtifact(toArtifact(forestModel(trees), { configHash: 'h', dataMd5: 'm' })),
    );
    a.estimator.trees[1].packed = a.estimator.trees[1].packed.slice(0, 100);
    expect(() => fromArtifact(a, 'rf.json')).toThrow(
      'rf.json: estimator.trees[1].feature must be an array of numbers; re-create the artifact with the train target',
    );
  });
});
