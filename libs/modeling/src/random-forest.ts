import { createRng, type Rng } from '@cellar/data';
import {
  applyTree,
  buildTree,
  giniCriterion,
  presortColumns,
  UNLIMITED_DEPTH,
  type TreeArrays,
} from './tree';
import { argmaxAccuracy, stepsFrom1, type EnsembleHistory } from './fit-history';
import { forestKey, type ForestTreeCache } from './forest-cache';
import { runSteps, type Steps } from './steps';
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
export function fitForest(...args: Parameters<typeof forestSteps>): ForestEstimator {
  return runSteps(forestSteps(...args));
}

/** fitForest as steps: one per tree. */
export function* forestSteps(
  spec: RandomForestSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
  onProgress?: (done: number, total: number) => void,
  track?: EnsembleHistory,
  cache?: ForestTreeCache,
): Steps<ForestEstimator> {
  const n = yIdx.length;
  // Trees this process built before for a forest that differs only in n_estimators (see
  // ForestTreeCache): taken as they are, so only the trees past them are built.
  const key = cache && forestKey(spec, columns, yIdx, nClasses);
  const held = cache && key ? cache.trees(key) : [];
  let sorted: Int32Array[] | undefined;
  const master = createRng(spec.randomState);
  const seeds = Array.from({ length: spec.nEstimators }, () => deriveSeed(master));
  const maxFeatures = resolveMaxFeatures(spec.maxFeatures, columns.length);
  const weight = new Float64Array(n);
  const trees: TreeArrays[] = [];
  const oob = track && createOobTally(columns, yIdx, nClasses, spec.nEstimators);
  const val = track?.validation;
  const valVotes = val && Array.from({ length: nClasses }, () => new Float64Array(val.yIdx.length));
  const valAccuracy = val && new Float64Array(spec.nEstimators);
  for (let t = 0; t < spec.nEstimators; t++) {
    const rng = createRng(seeds[t]);
    weight.fill(0);
    for (let s = 0; s < n; s++) weight[rng.nextInt(n)] += 1;
    let tree: TreeArrays;
    if (t < held.length) tree = held[t];
    else {
      sorted ??= presortColumns(columns);
      tree = buildTree({
        columns,
        sorted,
        weight,
        criterion: giniCriterion(yIdx, nClasses),
        maxDepth: spec.maxDepth ?? UNLIMITED_DEPTH,
        minSamplesSplit: spec.minSamplesSplit,
        maxFeatures,
        rng,
      }).tree;
      if (cache && key) cache.add(key, t, tree);
    }
    trees.push(tree);
    oob?.add(tree, weight);
    if (val && valVotes && valAccuracy) {
      addVotes(tree, val.columns, valVotes);
      valAccuracy[t] = argmaxAccuracy(valVotes, val.yIdx, t + 1);
    }
    onProgress?.(t + 1, spec.nEstimators);
    yield;
  }
  if (track && oob) {
    const steps = stepsFrom1(spec.nEstimators);
    track.history.push({ name: 'oob_accuracy', steps, values: oob.accuracy });
    if (valAccuracy) track.history.push({ name: 'validation_accuracy', steps, values: valAccuracy });
  }
  return { trees };
}

/** votes[k][i] += the tree's class-k share at row i's leaf. */
function addVotes(tree: TreeArrays, columns: Float64Array[], votes: Float64Array[]): void {
  const n = votes[0].length;
  const k = votes.length;
  const leaves = applyTree(tree, columns, n);
  for (let i = 0; i < n; i++) {
    const base = leaves[i] * k;
    for (let c = 0; c < k; c++) votes[c][i] += tree.value[base + c];
  }
}

/**
 * Out-of-bag accuracy after every tree: each tree votes (its leaf class shares, like predict)
 * on the rows its bootstrap left out; a row's OOB prediction is the argmax of its votes so far
 * (first maximum wins), scored over the rows that have a vote. Only the rows the new tree votes
 * on are re-scored, so a tree costs one walk per OOB row, not a pass over the data.
 */
function createOobTally(columns: Float64Array[], yIdx: Int32Array, nClasses: number, nTrees: number) {
  const n = yIdx.length;
  const votes = new Float64Array(n * nClasses);
  const correct = new Uint8Array(n);
  const voted = new Uint8Array(n);
  const accuracy = new Float64Array(nTrees);
  let nVoted = 0;
  let nCorrect = 0;
  let t = 0;
  return {
    accuracy,
    add(tree: TreeArrays, inBag: Float64Array): void {
      const { feature, threshold, left, right, value } = tree;
      for (let i = 0; i < n; i++) {
        if (inBag[i] > 0) continue;
        let node = 0;
        while (left[node] !== -1)
          node = columns[feature[node]][i] <= threshold[node] ? left[node] : right[node];
        const row = i * nClasses;
        const leaf = node * nClasses;
        let best = 0;
        for (let k = 0; k < nClasses; k++) {
          votes[row + k] += value[leaf + k];
          if (votes[row + k] > votes[row + best]) best = k;
        }
        if (!voted[i]) {
          voted[i] = 1;
          nVoted++;
        }
        const now = best === yIdx[i] ? 1 : 0;
        nCorrect += now - correct[i];
        correct[i] = now;
      }
      accuracy[t++] = nVoted === 0 ? NaN : nCorrect / nVoted;
    },
  };
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
