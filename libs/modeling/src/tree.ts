import type { Rng } from '@cellar/data';

/** A fitted binary tree in flat arrays; leaves have left = right = -1 and `width` values each. */
export interface TreeArrays {
  feature: Int32Array;
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** nNodes * width; only leaf rows are meaningful (internal rows are 0) */
  value: Float64Array;
  width: number;
}

/**
 * How splits are scored. Both kinds have the same fields (build them with giniCriterion and
 * mseCriterion), and so do the callers' BuildTreeParams: objects of one shape keep buildTree's
 * optimized code valid when a process fits forests and boosting in turn (a sweep lane does). With
 * two shapes V8 threw that code away five times over a 15-point sweep, running the hot loops
 * unoptimized meanwhile.
 */
export interface SplitCriterion {
  kind: 'gini' | 'friedman_mse';
  /** gini: class index per sample */
  yIdx: Int32Array;
  nClasses: number;
  /** friedman_mse: regression target per sample */
  target: Float64Array;
}

export function giniCriterion(yIdx: Int32Array, nClasses: number): SplitCriterion {
  return { kind: 'gini', yIdx, nClasses, target: new Float64Array(0) };
}

export function mseCriterion(target: Float64Array): SplitCriterion {
  return { kind: 'friedman_mse', yIdx: new Int32Array(0), nClasses: 0, target };
}

/**
 * maxDepth for "no limit". An integer, not Infinity: V8 keeps small-integer and floating-point
 * fields in different object shapes (see SplitCriterion).
 */
export const UNLIMITED_DEPTH = 0x3fffffff;

export interface BuildTreeParams {
  columns: Float64Array[];
  /** from presortColumns(columns); shared by every tree of one fit */
  sorted: Int32Array[];
  /** per-sample weight; samples with weight 0 are left out of this tree */
  weight: Float64Array;
  criterion: SplitCriterion;
  maxDepth: number;
  minSamplesSplit: number;
  maxFeatures: number;
  /** feature sampling order; null = visit features in column order */
  rng: Rng | null;
}

export interface BuiltTree {
  tree: TreeArrays;
  /** leaf node id of each in-tree sample, -1 for samples with weight 0 */
  leafOf: Int32Array;
}

// sklearn's FEATURE_THRESHOLD: values closer than this are not split apart
const FEATURE_THRESHOLD = 1e-7;

/** Per feature, sample indices in ascending order of value (ties by index): sorted once per fit. */
export function presortColumns(columns: Float64Array[]): Int32Array[] {
  return columns.map((col) => {
    const idx = new Int32Array(col.length);
    for (let i = 0; i < idx.length; i++) idx[i] = i;
    idx.sort((a, b) => col[a] - col[b] || a - b);
    return idx;
  });
}

/**
 * Grows one CART tree, best split per node, depth first. Sample sets of all features are kept
 * sorted by stable partitioning of presorted index arrays, so no node ever sorts.
 */
export function buildTree(p: BuildTreeParams): BuiltTree {
  const { columns, weight, criterion, rng } = p;
  const d = columns.length;
  const n = weight.length;
  let nIn = 0;
  for (let i = 0; i < n; i++) if (weight[i] > 0) nIn++;
  const ord = p.sorted.map((s) => {
    if (nIn === n) return s.slice(); // every sample in the tree (boosting without subsampling)
    const o = new Int32Array(nIn);
    let k = 0;
    for (let q = 0; q < s.length; q++) if (weight[s[q]] > 0) o[k++] = s[q];
    return o;
  });
  const tmp = new Int32Array(nIn);
  const goLeft = new Uint8Array(n);
  const leafOf = new Int32Array(n).fill(-1);
  const featureOrder = new Int32Array(d);

  const isGini = criterion.kind === 'gini';
  const { nClasses, yIdx, target } = criterion;
  const width = isGini ? nClasses : 1;
  const total = new Float64Array(nClasses);
  const leftCounts = new Float64Array(nClasses);

  const feature: number[] = [];
  const threshold: number[] = [];
  const left: number[] = [];
  const right: number[] = [];
  const value: number[] = [];

  // A node of this depth and size is a leaf, whatever its samples.
  const mustBeLeaf = (depth: number, size: number) =>
    depth >= p.maxDepth || size < p.minSamplesSplit || size < 2;

  // stack entries: start, end, depth, parent, isLeft, and a feature whose order holds exactly the
  // node's samples in [start, end) (every feature's does, unless the node must be a leaf)
  const stack: number[][] = [[0, nIn, 0, -1, 0, 0]];
  while (stack.length > 0) {
    const [start, end, depth, parent, isLeft, holder] = stack.pop() as number[];
    const node = feature.length;
    if (parent >= 0) {
      if (isLeft) left[parent] = node;
      else right[parent] = node;
    }
    feature.push(-1);
    threshold.push(0);
    left.push(-1);
    right.push(-1);
    for (let k = 0; k < width; k++) value.push(0);

    const o0 = ord[holder];
    let wTotal = 0;
    let impurity: number;
    let sum = 0;
    if (isGini) {
      total.fill(0);
      for (let q = start; q < end; q++) {
        const i = o0[q];
        total[yIdx[i]] += weight[i];
        wTotal += weight[i];
      }
      let sq = 0;
      for (let k = 0; k < nClasses; k++) sq += total[k] * total[k];
      impurity = 1 - sq / (wTotal * wTotal);
    } else {
      let sumSq = 0;
      for (let q = start; q < end; q++) {
        const i = o0[q];
        const w = weight[i];
        sum += w * target[i];
        sumSq += w * target[i] * target[i];
        wTotal += w;
      }
      const mean = sum / wTotal;
      impurity = sumSq / wTotal - mean * mean;
    }

    const nNode = end - start;
    let bestFeature = -1;
    let bestPos = -1;
    let bestProxy = -Infinity;
    let bestThreshold = 0;
    if (!mustBeLeaf(depth, nNode) && impurity > Number.EPSILON) {
      for (let f = 0; f < d; f++) featureOrder[f] = f;
      let visited = 0;
      let foundNonConstant = false;
      for (let t = 0; t < d; t++) {
        if (visited >= p.maxFeatures && foundNonConstant) break;
        if (rng) {
          // Fisher-Yates step: draw features without replacement
          const r = t + rng.nextInt(d - t);
          const tmpF = featureOrder[t];
          featureOrder[t] = featureOrder[r];
          featureOrder[r] = tmpF;
        }
        const f = featureOrder[t];
        visited++;
        const o = ord[f];
        const x = columns[f];
        if (x[o[end - 1]] <= x[o[start]] + FEATURE_THRESHOLD) continue;
        foundNonConstant = true;
        let wL = 0;
        if (isGini) {
          leftCounts.fill(0);
          for (let q = start; q < end - 1; q++) {
            const i = o[q];
            const w = weight[i];
            leftCounts[yIdx[i]] += w;
            wL += w;
            const xv = x[i];
            const xn = x[o[q + 1]];
            if (xn <= xv + FEATURE_THRESHOLD) continue;
            let sqL = 0;
            let sqR = 0;
            for (let k = 0; k < nClasses; k++) {
              const cl = leftCounts[k];
              const cr = total[k] - cl;
              sqL += cl * cl;
              sqR += cr * cr;
            }
            const proxy = sqL / wL + sqR / (wTotal - wL);
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestFeature = f;
              bestPos = q;
              bestThreshold = midpoint(xv, xn);
            }
          }
        } else {
          let sL = 0;
          for (let q = start; q < end - 1; q++) {
            const i = o[q];
            const w = weight[i];
            sL += w * target[i];
            wL += w;
            const xv = x[i];
            const xn = x[o[q + 1]];
            if (xn <= xv + FEATURE_THRESHOLD) continue;
            const wR = wTotal - wL;
            const diff = sL * wR - (sum - sL) * wL;
            const proxy = (diff * diff) / (wL * wR);
            if (proxy > bestProxy) {
              bestProxy = proxy;
              bestFeature = f;
              bestPos = q;
              bestThreshold = midpoint(xv, xn);
            }
          }
        }
      }
    }

    if (bestFeature < 0) {
      const base = node * width;
      if (isGini) {
        for (let k = 0; k < nClasses; k++) value[base + k] = total[k] / wTotal;
      } else {
        value[base] = sum / wTotal;
      }
      for (let q = start; q < end; q++) leafOf[o0[q]] = node;
      continue;
    }

    feature[node] = bestFeature;
    threshold[node] = bestThreshold;
    const mid = bestPos + 1;
    // right pushed first so the left subtree is numbered first, as in sklearn
    if (mustBeLeaf(depth + 1, mid - start) && mustBeLeaf(depth + 1, end - mid)) {
      // Both children are leaves: they only need their sample sets, which the split feature's
      // order already holds ([start, mid) and [mid, end)), so the other orders stay as they are.
      // A leaf's value does not depend on the order of its samples: forests add integer
      // (bootstrap) counts, and boosting recomputes leaf values over the samples in index order.
      stack.push([mid, end, depth + 1, node, 0, bestFeature]);
      stack.push([start, mid, depth + 1, node, 1, bestFeature]);
      continue;
    }
    const split = ord[bestFeature];
    for (let q = start; q < end; q++) goLeft[split[q]] = q <= bestPos ? 1 : 0;
    // Stable partition of every feature's order, without branches: which side a sample goes is
    // a coin flip to the CPU's branch predictor, and this loop was 40% of a tree's time with an
    // if/else. Each sample is written to both places and only its side's cursor moves on (l <= q,
    // so o[l] is never a sample still to read).
    for (let f = 0; f < d; f++) {
      if (f === bestFeature) continue;
      const o = ord[f];
      let l = start;
      let r = 0;
      for (let q = start; q < end; q++) {
        const i = o[q];
        const g = goLeft[i];
        o[l] = i;
        tmp[r] = i;
        l += g;
        r += 1 - g;
      }
      for (let k = 0; k < r; k++) o[l + k] = tmp[k];
    }
    stack.push([mid, end, depth + 1, node, 0, 0]);
    stack.push([start, mid, depth + 1, node, 1, 0]);
  }

  return {
    tree: {
      feature: Int32Array.from(feature),
      threshold: Float64Array.from(threshold),
      left: Int32Array.from(left),
      right: Int32Array.from(right),
      value: Float64Array.from(value),
      width,
    },
    leafOf,
  };
}

function midpoint(a: number, b: number): number {
  const t = a / 2 + b / 2;
  return t === b || !Number.isFinite(t) ? a : t;
}

/** Leaf node id reached by every row. */
export function applyTree(tree: TreeArrays, columns: Float64Array[], n: number): Int32Array {
  const out = new Int32Array(n);
  const { feature, threshold, left, right } = tree;
  for (let i = 0; i < n; i++) {
    let node = 0;
    while (left[node] !== -1) {
      node = columns[feature[node]][i] <= threshold[node] ? left[node] : right[node];
    }
    out[i] = node;
  }
  return out;
}
