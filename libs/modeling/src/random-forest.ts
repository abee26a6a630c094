import { createRng, type Rng } from '@cellar/data';
import { applyTree, buildTree, presortColumns, type TreeArrays } from './tree';
import type { RandomForestSpec } from './types';

export interface ForestEstimator {
  trees: TreeArrays[];
}

/** sklearn's max_features: 'sqrt'/'log2' floor, an integer >= 1 is a count, a fraction in (0, 1) a share, null = all. */
export function resolveMaxFeatures(maxFeatures: RandomForestSpec['maxFeatures'], d: number): number {
  if (maxFeatures === null) return d;
  if (maxFeatures === 'sqrt') return Math.max(1, Math.floor(Math.sqrt(d)));
  if (maxFeatures === 'log2') return Math.max(1, Math.floor(Math.log2(d)));
  if (Number.isInteger(maxFeatures)) return Math.min(d, maxFeatures);
  return Math.max(1, Math.floor(maxFeatures * d));
}

/** An independent child seed (one per tree) from a parent stream. */
function deriveSeed(rng: Rng): number {
  return Math.floor(rng.next() * 4294967296) >>> 0;
}

/** Bootstrap + Gini trees with per-split feature sampling; each tree has its own seed derived from randomState. */
export function fitForest(
  spec: RandomForestSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
  onProgress?: (done: number, total: number) => void,
): ForestEstimator {
  const n = yIdx.length;
  const sorted = presortColumns(columns);
  const master = createRng(spec.randomState);
  const seeds = Array.from({ length: spec.nEstimators }, () => deriveSeed(master));
  const maxFeatures = resolveMaxFeatures(spec.maxFeatures, columns.length);
  const weight = new Float64Array(n);
  const trees: TreeArrays[] = [];
  for (let t = 0; t < spec.nEstimators; t++) {
    const rng = createRng(seeds[t]);
    weight.fill(0);
    for (let s = 0; s < n; s++) weight[rng.nextInt(n)] += 1;
    const { tree } = buildTree({
      columns,
      sorted,
      weight,
      criterion: { kind: 'gini', yIdx, nClasses },
      maxDepth: spec.maxDepth ?? Infinity,
      minSamplesSplit: spec.minSamplesSplit,
      maxFeatures,
      rng,
    });
    trees.push(tree);
    onProgress?.(t + 1, spec.nEstimators);
  }
  return { trees };
}

/** Soft voting: the mean of the trees' leaf class distributions. */
export function predictForestProba(
  est: ForestEstimator,
  columns: Float64Array[],
  nClasses: number,
): Float64Array[] {
  const n = columns.length > 0 ? columns[0].length : 0;
  const out = Array.from({ length: nClasses }, () => new Float64Array(n));
  for (const tree of est.trees) {
    const leaves = applyTree(tree, columns, n);
    for (let i = 0; i < n; i++) {
      const base = leaves[i] * nClasses;
      for (let k = 0; k < nClasses; k++) out[k][i] += tree.value[base + k];
    }
  }
  const m = est.trees.length;
  for (const col of out) for (let i = 0; i < n; i++) col[i] /= m;
  return out;
}
