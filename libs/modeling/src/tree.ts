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
  /**
   * per-sample weight; samples with weight 0 are left out of this tree. With the Gini criterion,
   * whole numbers (a bootstrap's counts): its split scan keeps running sums that are exact only then.
   */
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
  const out: Int32Array[] = [];
  for (const col of columns) out.push(col.length < RADIX_MIN ? comparatorArgsort(col) : radixArgsort(col));
  return out;
}

// Below this many rows a comparator sort is as fast, and a radix sort's 64 Ki-bucket counts are not.
const RADIX_MIN = 4096;

function comparatorArgsort(col: Float64Array): Int32Array {
  const idx = new Int32Array(col.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort((a, b) => col[a] - col[b] || a - b);
}

/**
 * The same order as comparatorArgsort, by a stable LSD radix sort on the values' bits (four 16-bit
 * digits): 11 columns of 100k rows in about 0.1 s instead of 0.5 s. The bits are mapped so that
 * unsigned order is numeric order (negatives flipped, the sign bit set on the rest, -0 read as 0),
 * and equal values keep index order, as the comparator's tie-break has them.
 */
function radixArgsort(col: Float64Array): Int32Array {
  const n = col.length;
  const bits = new Float64Array(n);
  for (let i = 0; i < n; i++) bits[i] = col[i] === 0 ? 0 : col[i];
  const words = new Uint32Array(bits.buffer);
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let idx = new Int32Array(n);
  const counts = new Int32Array(4 * RADIX);
  for (let i = 0; i < n; i++) {
    let l = words[2 * i];
    let h = words[2 * i + 1];
    if (h & 0x80000000) {
      l = ~l >>> 0;
      h = ~h >>> 0;
    } else h = (h | 0x80000000) >>> 0;
    lo[i] = l;
    hi[i] = h;
    idx[i] = i;
    counts[l & 0xffff]++;
    counts[RADIX + (l >>> 16)]++;
    counts[2 * RADIX + (h & 0xffff)]++;
    counts[3 * RADIX + (h >>> 16)]++;
  }
  let lo2 = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let idx2 = new Int32Array(n);
  for (let pass = 0; pass < 4; pass++) {
    const base = pass * RADIX;
    // a digit all values share leaves the order as it is
    let skip = false;
    for (let v = 0; v < RADIX; v++) {
      if (counts[base + v] === n) skip = true;
      if (counts[base + v] !== 0) break;
    }
    if (skip) continue;
    let sum = 0;
    for (let v = 0; v < RADIX; v++) {
      const c = counts[base + v];
      counts[base + v] = sum;
      sum += c;
    }
    const key = pass < 2 ? lo : hi;
    const shift = (pass & 1) * 16;
    for (let q = 0; q < n; q++) {
      const at = counts[base + ((key[q] >>> shift) & 0xffff)]++;
      lo2[at] = lo[q];
      hi2[at] = hi[q];
      idx2[at] = idx[q];
    }
    [lo, lo2] = [lo2, lo];
    [hi, hi2] = [hi2, hi];
    [idx, idx2] = [idx2, idx];
  }
  return idx;
}

const RADIX = 0x10000;

/**
 * The split search's best so far: proxy and threshold in a Float64Array, position and feature in an
 * Int32Array (read back as small integers, never as heap numbers, which deoptimized the callers).
 */
const PROXY = 0;
const THRESHOLD = 1;
const POS = 0;
const FEATURE = 1;

/** Stack entry fields: start, end, depth, parent, isLeft, and a feature whose order holds the node's samples. */
const ENTRY = 6;

/**
 * Grows one CART tree, best split per node, depth first. Sample sets of all features are kept
 * sorted by stable partitioning of presorted index arrays, so no node ever sorts.
 *
 * The work is in small module-level functions over typed arrays (node statistics, the split search
 * per criterion, the partition), not in one large function with closures and growing JS arrays:
 * V8 optimizes small functions after a few calls and compiles them quickly, while a large one waited
 * for on-stack replacement, took 40–90 ms per compile and was thrown away on every new closure or
 * array kind, so the first forest of a process ran 4× slower than the next.
 */
export function buildTree(p: BuildTreeParams): BuiltTree {
  const { columns, weight, criterion, rng, maxDepth, minSamplesSplit, maxFeatures } = p;
  const d = columns.length;
  const n = weight.length;
  let nIn = 0;
  for (let i = 0; i < n; i++) if (weight[i] > 0) nIn++;
  // Built by push, never by map: map's result is holey in the interpreter and packed once inlined,
  // and the other array kind deoptimized the functions it is passed to.
  const ord: Int32Array[] = [];
  for (const s of p.sorted) ord.push(nIn === n ? s.slice() : inTreeOrder(s, weight, nIn));
  const tmp = new Int32Array(nIn);
  // Large trees: each order's values, moved with it by the partition, so the split scans read them
  // in sequence instead of looking each sample up in its column. Smaller ones look samples up, and
  // their partition moves half the bytes. Measured here, trees built in one process, alternated:
  // at 100k rows forests 10% and boosting 28% faster with carried values; at 20k rows 11% and 15%
  // slower; at 50k rows 2% and 13% faster.
  const carry = nIn >= CARRY_VALUES_MIN;
  const xs: Float64Array[] = [];
  if (carry) for (let f = 0; f < d; f++) xs.push(valuesInOrder(columns[f], ord[f]));
  const xtmp = new Float64Array(carry ? nIn : 0);
  const goLeft = new Uint8Array(n);
  const leafOf = new Int32Array(n).fill(-1);
  const featureOrder = new Int32Array(d);

  const isGini = criterion.kind === 'gini';
  const { nClasses, yIdx, target } = criterion;
  const width = isGini ? nClasses : 1;
  const total = new Float64Array(nClasses);
  const leftCounts = new Float64Array(nClasses);
  // class weights of the best split's left side, and of each pending node (the split scan counts
  // them, so only the root sums its samples)
  const bestLeft = new Float64Array(nClasses);
  const moments = new Float64Array(2);
  const best = new Float64Array(2);
  const bestAt = new Int32Array(2);

  // A binary tree over nIn samples has at most 2 nIn - 1 nodes, one of depth D at most 2^(D+1) - 1
  // (boosting's depth-3 trees: 15, not 1827 for the wine data, allocated for each of 600 trees).
  const maxNodes = Math.max(1, maxDepth < 30 ? Math.min(2 * nIn - 1, 2 ** (maxDepth + 1) - 1) : 2 * nIn - 1);
  const feature = new Int32Array(maxNodes).fill(-1);
  const threshold = new Float64Array(maxNodes);
  const left = new Int32Array(maxNodes).fill(-1);
  const right = new Int32Array(maxNodes).fill(-1);
  const value = new Float64Array(maxNodes * width);
  let nodes = 0;

  // depth first: at most one pending sibling per level below the root, and a tree is never deeper
  // than maxDepth nor than nIn - 1
  const slots = Math.min(nIn, maxDepth) + 2;
  const stack = new Int32Array(ENTRY * slots);
  const pending = new Float64Array(slots * nClasses);
  let top = pushEntry(stack, 0, 0, nIn, 0, -1, 0, 0);
  while (top > 0) {
    top -= ENTRY;
    const start = stack[top];
    const end = stack[top + 1];
    const depth = stack[top + 2];
    const parent = stack[top + 3];
    const isLeft = stack[top + 4];
    const holder = stack[top + 5];
    const node = nodes++;
    if (parent >= 0) {
      if (isLeft) left[parent] = node;
      else right[parent] = node;
    }

    const o0 = ord[holder];
    let impurity: number;
    if (isGini) {
      if (parent < 0) giniStats(o0, start, end, yIdx, weight, total);
      else total.set(pending.subarray((top / ENTRY) * nClasses, (top / ENTRY + 1) * nClasses));
      impurity = giniImpurity(total, nClasses, moments);
    } else {
      impurity = mseStats(o0, start, end, target, weight, moments);
    }
    const wTotal = moments[0];
    const sum = moments[1];

    const nNode = end - start;
    best[PROXY] = -Infinity;
    best[THRESHOLD] = 0;
    bestAt[POS] = -1;
    bestAt[FEATURE] = -1;
    if (!mustBeLeaf(depth, nNode, maxDepth, minSamplesSplit) && impurity > Number.EPSILON) {
      for (let f = 0; f < d; f++) featureOrder[f] = f;
      let visited = 0;
      let foundNonConstant = false;
      for (let t = 0; t < d; t++) {
        if (visited >= maxFeatures && foundNonConstant) break;
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
        // the value at position q: carried values by position, or the column by sample
        const x = carry ? xs[f] : columns[f];
        const first = x[carry ? start : o[start]];
        const last = x[carry ? end - 1 : o[end - 1]];
        if (last <= first + FEATURE_THRESHOLD) continue;
        foundNonConstant = true;
        if (isGini)
          bestGiniSplit(
            o,
            x,
            carry,
            f,
            start,
            end,
            yIdx,
            weight,
            total,
            leftCounts,
            bestLeft,
            nClasses,
            wTotal,
            best,
            bestAt,
          );
        else bestMseSplit(o, x, carry, f, start, end, target, weight, sum, wTotal, best, bestAt);
      }
    }

    const bestFeature = bestAt[FEATURE];
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
    threshold[node] = best[THRESHOLD];
    const bestPos = bestAt[POS];
    const mid = bestPos + 1;
    // Both children are leaves: they only need their sample sets, which the split feature's order
    // already holds ([start, mid) and [mid, end)), so the other orders stay as they are. A leaf's
    // value does not depend on the order of its samples: forests add integer (bootstrap) counts,
    // and boosting recomputes leaf values over the samples in index order.
    const bothLeaves =
      mustBeLeaf(depth + 1, mid - start, maxDepth, minSamplesSplit) &&
      mustBeLeaf(depth + 1, end - mid, maxDepth, minSamplesSplit);
    if (!bothLeaves) partitionOrders(ord, xs, bestFeature, bestPos, start, end, goLeft, tmp, xtmp);
    const childHolder = bothLeaves ? bestFeature : 0;
    // right pushed first so the left subtree is numbered first, as in sklearn
    if (isGini) {
      const r = (top / ENTRY) * nClasses;
      const l = r + nClasses;
      for (let k = 0; k < nClasses; k++) {
        pending[r + k] = total[k] - bestLeft[k];
        pending[l + k] = bestLeft[k];
      }
    }
    top = pushEntry(stack, top, mid, end, depth + 1, node, 0, childHolder);
    top = pushEntry(stack, top, start, mid, depth + 1, node, 1, childHolder);
  }

  return {
    tree: {
      feature: feature.slice(0, nodes),
      threshold: threshold.slice(0, nodes),
      left: left.slice(0, nodes),
      right: right.slice(0, nodes),
      value: value.slice(0, nodes * width),
      width,
    },
    leafOf,
  };
}

/** A node of this depth and size is a leaf, whatever its samples. */
function mustBeLeaf(depth: number, size: number, maxDepth: number, minSamplesSplit: number): boolean {
  return depth >= maxDepth || size < minSamplesSplit || size < 2;
}

function pushEntry(
  stack: Int32Array,
  top: number,
  start: number,
  end: number,
  depth: number,
  parent: number,
  isLeft: number,
  holder: number,
): number {
  stack[top] = start;
  stack[top + 1] = end;
  stack[top + 2] = depth;
  stack[top + 3] = parent;
  stack[top + 4] = isLeft;
  stack[top + 5] = holder;
  return top + ENTRY;
}

// in-tree samples from which a tree carries each order's values (see buildTree); a forest's trees
// hold about 63% of the rows
const CARRY_VALUES_MIN = 30_000;

/** A column's values in an order's sequence. */
function valuesInOrder(x: Float64Array, o: Int32Array): Float64Array {
  const v = new Float64Array(o.length);
  for (let q = 0; q < o.length; q++) v[q] = x[o[q]];
  return v;
}

/** A presorted order restricted to the samples in the tree (weight > 0). */
function inTreeOrder(sorted: Int32Array, weight: Float64Array, nIn: number): Int32Array {
  const o = new Int32Array(nIn);
  let k = 0;
  for (let q = 0; q < sorted.length; q++) if (weight[sorted[q]] > 0) o[k++] = sorted[q];
  return o;
}

/** Class weights of the node's samples into total. */
function giniStats(
  o: Int32Array,
  start: number,
  end: number,
  yIdx: Int32Array,
  weight: Float64Array,
  total: Float64Array,
): void {
  total.fill(0);
  for (let q = start; q < end; q++) {
    const i = o[q];
    total[yIdx[i]] += weight[i];
  }
}

/**
 * The node's weight (the sum of its class weights) into moments[0]; returns its Gini impurity. A
 * forest's class weights are integer bootstrap counts, so they sum exactly in any order.
 */
function giniImpurity(total: Float64Array, nClasses: number, moments: Float64Array): number {
  let wTotal = 0;
  let sq = 0;
  for (let k = 0; k < nClasses; k++) {
    wTotal += total[k];
    sq += total[k] * total[k];
  }
  moments[0] = wTotal;
  moments[1] = 0;
  return 1 - sq / (wTotal * wTotal);
}

/** The node's weight and weighted target sum into moments[0..1]; returns its variance. */
function mseStats(
  o: Int32Array,
  start: number,
  end: number,
  target: Float64Array,
  weight: Float64Array,
  moments: Float64Array,
): number {
  let sum = 0;
  let sumSq = 0;
  let wTotal = 0;
  for (let q = start; q < end; q++) {
    const i = o[q];
    const w = weight[i];
    sum += w * target[i];
    sumSq += w * target[i] * target[i];
    wTotal += w;
  }
  moments[0] = wTotal;
  moments[1] = sum;
  const mean = sum / wTotal;
  return sumSq / wTotal - mean * mean;
}

/**
 * Scans feature f's cut points in the node; a better Gini proxy than best[PROXY] replaces best.
 * The value of sample o[q] is x[q] byPosition (values carried with the order, see buildTree), else x[o[q]].
 * The sums of squared class weights on either side are updated as each sample moves left, not
 * summed over the classes at every cut point: a forest's weights are bootstrap counts, so every
 * term is an integer well inside 2^53 and the running sums equal the recomputed ones exactly.
 */
function bestGiniSplit(
  o: Int32Array,
  x: Float64Array,
  byPosition: boolean,
  f: number,
  start: number,
  end: number,
  yIdx: Int32Array,
  weight: Float64Array,
  total: Float64Array,
  leftCounts: Float64Array,
  bestLeft: Float64Array,
  nClasses: number,
  wTotal: number,
  best: Float64Array,
  bestAt: Int32Array,
): void {
  let bestProxy = best[PROXY];
  leftCounts.fill(0);
  let sqL = 0;
  let sqR = 0;
  for (let k = 0; k < nClasses; k++) sqR += total[k] * total[k];
  let wL = 0;
  let i = o[start];
  let xv = byPosition ? x[start] : x[i];
  for (let q = start; q < end - 1; q++) {
    const w = weight[i];
    const c = yIdx[i];
    const cl = leftCounts[c];
    const cr = total[c] - cl;
    leftCounts[c] = cl + w;
    sqL += w * (2 * cl + w);
    sqR += w * (w - 2 * cr);
    wL += w;
    i = o[q + 1];
    const xn = byPosition ? x[q + 1] : x[i];
    if (xn > xv + FEATURE_THRESHOLD) {
      const proxy = sqL / wL + sqR / (wTotal - wL);
      if (proxy > bestProxy) {
        bestProxy = recordSplit(best, bestAt, proxy, f, q, xv, xn);
        bestLeft.set(leftCounts);
      }
    }
    xv = xn;
  }
}

/**
 * Scans feature f's cut points in the node; a better Friedman MSE proxy than best[PROXY] replaces
 * best. The value of sample o[q] is x[q] or x[o[q]], as in bestGiniSplit.
 */
function bestMseSplit(
  o: Int32Array,
  x: Float64Array,
  byPosition: boolean,
  f: number,
  start: number,
  end: number,
  target: Float64Array,
  weight: Float64Array,
  sum: number,
  wTotal: number,
  best: Float64Array,
  bestAt: Int32Array,
): void {
  let bestProxy = best[PROXY];
  let wL = 0;
  let sL = 0;
  let i = o[start];
  let xv = byPosition ? x[start] : x[i];
  for (let q = start; q < end - 1; q++) {
    const w = weight[i];
    sL += w * target[i];
    wL += w;
    i = o[q + 1];
    const xn = byPosition ? x[q + 1] : x[i];
    if (xn > xv + FEATURE_THRESHOLD) {
      const wR = wTotal - wL;
      const diff = sL * wR - (sum - sL) * wL;
      const proxy = (diff * diff) / (wL * wR);
      if (proxy > bestProxy) bestProxy = recordSplit(best, bestAt, proxy, f, q, xv, xn);
    }
    xv = xn;
  }
}

/** A better split: feature f between positions q and q + 1 (values xv and xn). Returns its proxy. */
function recordSplit(
  best: Float64Array,
  bestAt: Int32Array,
  proxy: number,
  f: number,
  q: number,
  xv: number,
  xn: number,
): number {
  best[PROXY] = proxy;
  best[THRESHOLD] = midpoint(xv, xn);
  bestAt[FEATURE] = f;
  bestAt[POS] = q;
  return proxy;
}

/**
 * Stable partition of every feature's order and values but the split feature's (already split at bestPos),
 * without branches: which side a sample goes is a coin flip to the CPU's branch predictor, and this
 * loop was 40% of a tree's time with an if/else. Each sample is written to both places and only its
 * side's cursor moves on (l <= q, so o[l] is never a sample still to read).
 */
function partitionOrders(
  ord: Int32Array[],
  xs: Float64Array[],
  bestFeature: number,
  bestPos: number,
  start: number,
  end: number,
  goLeft: Uint8Array,
  tmp: Int32Array,
  xtmp: Float64Array,
): void {
  const split = ord[bestFeature];
  for (let q = start; q < end; q++) goLeft[split[q]] = q <= bestPos ? 1 : 0;
  for (let f = 0; f < ord.length; f++) {
    if (f === bestFeature) continue;
    if (xs.length > 0) partitionWithValues(ord[f], xs[f], start, end, goLeft, tmp, xtmp);
    else partitionOrder(ord[f], start, end, goLeft, tmp);
  }
}

function partitionOrder(
  o: Int32Array,
  start: number,
  end: number,
  goLeft: Uint8Array,
  tmp: Int32Array,
): void {
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

function partitionWithValues(
  o: Int32Array,
  x: Float64Array,
  start: number,
  end: number,
  goLeft: Uint8Array,
  tmp: Int32Array,
  xtmp: Float64Array,
): void {
  let l = start;
  let r = 0;
  for (let q = start; q < end; q++) {
    const i = o[q];
    const v = x[q];
    const g = goLeft[i];
    o[l] = i;
    x[l] = v;
    tmp[r] = i;
    xtmp[r] = v;
    l += g;
    r += 1 - g;
  }
  for (let k = 0; k < r; k++) {
    o[l + k] = tmp[k];
    x[l + k] = xtmp[k];
  }
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
