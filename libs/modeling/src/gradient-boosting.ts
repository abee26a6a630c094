import { createRng } from '@cellar/data';
import { filledColumns, softmaxColumns, softmaxInto } from './logreg';
import { applyTree, buildTree, mseCriterion, presortColumns, type TreeArrays } from './tree';
import { argmaxAccuracy, stepsFrom1, type EnsembleHistory } from './fit-history';
import { runSteps, type Steps } from './steps';
import type { GradientBoostingSpec } from './types';

/** nOut = 1 for two classes (binomial deviance), else one tree per class per stage. */
export interface BoostingEstimator {
  learningRate: number;
  init: Float64Array;
  /** stages[stage][output] */
  stages: TreeArrays[][];
}

// sklearn clips prior probabilities to [eps32, 1 - eps32] before taking logs
const EPS32 = 1.1920928955078125e-7;

/**
 * sklearn's GradientBoostingClassifier: prior log-odds init, friedman_mse regression trees on the
 * negative gradient, leaves replaced by one Newton step ((K-1)/K * sum r / sum p(1-p)), shrinkage.
 */
export function fitBoosting(...args: Parameters<typeof boostingSteps>): BoostingEstimator {
  return runSteps(boostingSteps(...args));
}

/** fitBoosting as steps: one per stage. */
export function* boostingSteps(
  spec: GradientBoostingSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
  onProgress?: (done: number, total: number) => void,
  track?: EnsembleHistory,
): Steps<BoostingEstimator> {
  const n = yIdx.length;
  const d = columns.length;
  const nOut = nClasses === 2 ? 1 : nClasses;
  const sorted = presortColumns(columns);
  const rng = createRng(spec.randomState);

  const prior = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) prior[yIdx[i]] += 1;
  const init = new Float64Array(nOut);
  if (nOut === 1) {
    const p1 = Math.min(Math.max(prior[1] / n, EPS32), 1 - EPS32);
    init[0] = Math.log(p1 / (1 - p1));
  } else {
    for (let k = 0; k < nClasses; k++) init[k] = Math.log(Math.min(Math.max(prior[k] / n, EPS32), 1 - EPS32));
  }
  const raw = filledColumns(nOut, n, init);
  const prob = filledColumns(nOut, n, 0);
  const residual = new Float64Array(n);
  const weight = new Float64Array(n).fill(1);
  const nInBag = Math.max(1, Math.floor(spec.subsample * n));
  const perm = new Int32Array(n);
  const factor = nOut === 1 ? 1 : (nClasses - 1) / nClasses;
  const stages: TreeArrays[][] = [];
  const deviance = track && new Float64Array(spec.nEstimators);
  const val = track?.validation;
  const valAccuracy = val && new Float64Array(spec.nEstimators);
  const valRaw = val && filledColumns(nOut, val.yIdx.length, init);

  for (let stage = 0; stage < spec.nEstimators; stage++) {
    // probabilities from the start of the stage, like sklearn's raw_predictions copy
    stageProbabilities(raw, prob, nClasses);
    // The previous stage's deviance, over its in-bag rows: from these probabilities, which are the
    // exponentials its log loss needs (computing them again cost about 4% of a boosting fit).
    if (deviance && stage > 0) deviance[stage - 1] = meanLogLoss(raw, prob, yIdx, weight);
    if (spec.subsample < 1) {
      // partial Fisher-Yates picks exactly nInBag distinct samples
      for (let i = 0; i < n; i++) perm[i] = i;
      weight.fill(0);
      for (let t = 0; t < nInBag; t++) {
        const r = t + rng.nextInt(n - t);
        const v = perm[r];
        perm[r] = perm[t];
        perm[t] = v;
        weight[v] = 1;
      }
    }
    const trees: TreeArrays[] = [];
    for (let k = 0; k < nOut; k++) {
      const cls = nOut === 1 ? 1 : k;
      const pk = prob[k];
      for (let i = 0; i < n; i++) residual[i] = (yIdx[i] === cls ? 1 : 0) - pk[i];
      const { tree, leafOf } = buildTree({
        columns,
        sorted,
        weight,
        criterion: mseCriterion(residual),
        maxDepth: spec.maxDepth,
        minSamplesSplit: 2,
        maxFeatures: d,
        rng: null,
      });
      // Newton step per leaf over the in-bag samples
      const nNodes = tree.left.length;
      const num = new Float64Array(nNodes);
      const den = new Float64Array(nNodes);
      for (let i = 0; i < n; i++) {
        const leaf = leafOf[i];
        if (leaf < 0) continue;
        num[leaf] += residual[i];
        den[leaf] += pk[i] * (1 - pk[i]);
      }
      for (let node = 0; node < nNodes; node++) {
        if (tree.left[node] !== -1) continue;
        tree.value[node] = Math.abs(den[node]) < 1e-150 ? 0 : (factor * num[node]) / den[node];
      }
      const leaves = spec.subsample < 1 ? applyTree(tree, columns, n) : leafOf;
      const rk = raw[k];
      for (let i = 0; i < n; i++) rk[i] += spec.learningRate * tree.value[leaves[i]];
      trees.push(tree);
      if (val && valRaw) {
        const vLeaves = applyTree(tree, val.columns, val.yIdx.length);
        const vk = valRaw[k];
        for (let i = 0; i < vk.length; i++) vk[i] += spec.learningRate * tree.value[vLeaves[i]];
      }
    }
    stages.push(trees);
    if (val && valRaw && valAccuracy) {
      valAccuracy[stage] = argmaxAccuracy(boostingProba(valRaw, nClasses), val.yIdx);
    }
    onProgress?.(stage + 1, spec.nEstimators);
    yield;
  }
  if (deviance && spec.nEstimators > 0) {
    stageProbabilities(raw, prob, nClasses);
    deviance[spec.nEstimators - 1] = meanLogLoss(raw, prob, yIdx, weight);
  }
  if (track && deviance) {
    const steps = stepsFrom1(spec.nEstimators);
    track.history.push({ name: 'boosting_deviance', steps, values: deviance });
    if (valAccuracy) track.history.push({ name: 'validation_accuracy', steps, values: valAccuracy });
  }
  return { learningRate: spec.learningRate, init, stages };
}

/** Class probabilities from raw scores: the sigmoid for one output, else the softmax. */
function stageProbabilities(raw: Float64Array[], prob: Float64Array[], nClasses: number): void {
  if (raw.length === 1) {
    const z = raw[0];
    const p = prob[0];
    for (let i = 0; i < z.length; i++) p[i] = 1 / (1 + Math.exp(-z[i]));
  } else {
    softmaxInto(raw, prob, nClasses);
  }
}

/**
 * Mean log loss of the rows with weight > 0 (the in-bag rows): sklearn's train_score_. Several
 * classes: -log of the true class's probability (`prob`, the softmax of `raw`), from the raw scores
 * where that probability underflowed; two: from the raw score, which stays exact where the sigmoid
 * rounds to 1.
 */
function meanLogLoss(
  raw: Float64Array[],
  prob: Float64Array[],
  yIdx: Int32Array,
  weight: Float64Array,
): number {
  const n = yIdx.length;
  let sum = 0;
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (weight[i] === 0) continue;
    count++;
    if (raw.length === 1) {
      const z = raw[0][i];
      sum += (z > 0 ? z : 0) + Math.log1p(Math.exp(-Math.abs(z))) - (yIdx[i] === 1 ? z : 0);
      continue;
    }
    const p = prob[yIdx[i]][i];
    if (p > 0) {
      sum -= Math.log(p);
      continue;
    }
    let max = -Infinity;
    for (let k = 0; k < raw.length; k++) if (raw[k][i] > max) max = raw[k][i];
    let s = 0;
    for (let k = 0; k < raw.length; k++) s += Math.exp(raw[k][i] - max);
    sum += max + Math.log(s) - raw[yIdx[i]][i];
  }
  return sum / count;
}

function boostingProba(raw: Float64Array[], nClasses: number): Float64Array[] {
  if (raw.length === 1) {
    const p1 = raw[0].map((v) => 1 / (1 + Math.exp(-v)));
    return [p1.map((v) => 1 - v), p1];
  }
  return softmaxColumns(raw, nClasses);
}

export function predictBoostingProba(
  est: BoostingEstimator,
  columns: Float64Array[],
  nClasses: number,
): Float64Array[] {
  const n = columns.length > 0 ? columns[0].length : 0;
  const nOut = est.init.length;
  const raw = filledColumns(nOut, n, est.init);
  for (const trees of est.stages) {
    for (let k = 0; k < nOut; k++) {
      const tree = trees[k];
      const leaves = applyTree(tree, columns, n);
      const rk = raw[k];
      for (let i = 0; i < n; i++) rk[i] += est.learningRate * tree.value[leaves[i]];
    }
  }
  return boostingProba(raw, nClasses);
}
