import { createRng } from '@cellar/data';
import { describe, expect, it } from 'vitest';
import {
  applyTree,
  buildTree,
  giniCriterion,
  mseCriterion,
  presortColumns,
  UNLIMITED_DEPTH,
  type TreeArrays,
} from './tree';

/**
 * A seeded classification set with few distinct values per feature (so ties and equal cut points
 * occur), and bootstrap-style integer weights, some 0.
 */
function sample(n: number, d: number, nClasses: number, seed: number) {
  const rng = createRng(seed);
  const columns = Array.from({ length: d }, (_, f) => {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++)
      col[i] = f === 0 ? rng.nextInt(7) - 3 : Math.round((rng.next() * 4 - 2) * 100) / 100;
    return col;
  });
  const yIdx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const score = columns[0][i] + 2 * columns[1 % d][i] + rng.next();
    yIdx[i] = Math.min(nClasses - 1, Math.max(0, Math.floor(score + nClasses / 2)));
  }
  const weight = new Float64Array(n);
  for (let s = 0; s < n; s++) weight[rng.nextInt(n)] += 1;
  return { columns, yIdx, weight };
}

/** The largest proxy of any cut of any feature between the node's rows, searched naively. */
function bestCutNaive(
  rows: number[],
  columns: Float64Array[],
  proxyOf: (left: number[], right: number[]) => number,
): number {
  let best = -Infinity;
  for (const x of columns) {
    const sorted = [...rows].sort((a, b) => x[a] - x[b] || a - b);
    for (let q = 0; q < sorted.length - 1; q++) {
      if (x[sorted[q + 1]] <= x[sorted[q]] + 1e-7) continue;
      best = Math.max(best, proxyOf(sorted.slice(0, q + 1), sorted.slice(q + 1)));
    }
  }
  return best;
}

/** The Gini proxy of a cut: per side, the sum of squared class weights over the side's weight. */
function bestProxyNaive(
  rows: number[],
  columns: Float64Array[],
  yIdx: Int32Array,
  weight: Float64Array,
  k: number,
): number {
  return bestCutNaive(
    rows,
    columns,
    (left, right) => sideProxy(left, yIdx, weight, k) + sideProxy(right, yIdx, weight, k),
  );
}

function sideProxy(rows: number[], yIdx: Int32Array, weight: Float64Array, k: number): number {
  const counts = new Float64Array(k);
  let w = 0;
  for (const i of rows) {
    counts[yIdx[i]] += weight[i];
    w += weight[i];
  }
  return counts.reduce((s, c) => s + c * c, 0) / w;
}

/** In-tree rows (weight > 0) reaching each node. */
function rowsPerNode(tree: TreeArrays, columns: Float64Array[], weight: Float64Array): number[][] {
  const rows: number[][] = Array.from({ length: tree.feature.length }, () => []);
  for (let i = 0; i < weight.length; i++) {
    if (weight[i] === 0) continue;
    let node = 0;
    for (;;) {
      rows[node].push(i);
      if (tree.left[node] === -1) break;
      node = columns[tree.feature[node]][i] <= tree.threshold[node] ? tree.left[node] : tree.right[node];
    }
  }
  return rows;
}

describe('presortColumns', () => {
  it.each([50, 5000, 70_000])('orders %i rows by value, ties by index, as a comparator sort does', (n) => {
    const rng = createRng(n);
    const specials = [
      0,
      -0,
      1e-310,
      -1e-310,
      Infinity,
      -Infinity,
      Number.MAX_VALUE,
      -Number.MIN_VALUE,
      2 ** 52,
    ];
    const columns = [
      Float64Array.from({ length: n }, () => (rng.next() - 0.5) * 1e6),
      // few distinct values: long runs of ties, negatives and both zeros
      Float64Array.from({ length: n }, () => rng.nextInt(9) - 4 || (rng.next() < 0.5 ? -0 : 0)),
      Float64Array.from({ length: n }, (_, i) =>
        i % 7 === 0 ? specials[rng.nextInt(specials.length)] : rng.next(),
      ),
      // one value everywhere: every digit shared
      new Float64Array(n).fill(3.25),
    ];
    const sorted = presortColumns(columns);
    columns.forEach((col, f) => {
      const expected = Array.from({ length: n }, (_, i) => i).sort((a, b) => col[a] - col[b] || a - b);
      expect(Array.from(sorted[f])).toEqual(expected);
    });
  });
});

describe('buildTree with the Gini criterion', () => {
  it.each([
    [300, 4, 3, 1],
    [2000, 6, 5, 2],
    [60, 3, 2, 3],
  ])(
    'splits every node where a brute-force search over all cuts does (%i rows, %i features, %i classes)',
    (n, d, k, seed) => {
      const { columns, yIdx, weight } = sample(n, d, k, seed);
      const { tree, leafOf } = buildTree({
        columns,
        sorted: presortColumns(columns),
        weight,
        criterion: giniCriterion(yIdx, k),
        maxDepth: UNLIMITED_DEPTH,
        minSamplesSplit: 2,
        maxFeatures: d,
        rng: null,
      });
      const rows = rowsPerNode(tree, columns, weight);
      let internal = 0;
      for (let node = 0; node < rows.length; node++) {
        const here = rows[node];
        const best = bestProxyNaive(here, columns, yIdx, weight, k);
        if (tree.left[node] === -1) {
          // a leaf: pure, or no cut separates its values; its value is its class shares
          const counts = new Float64Array(k);
          for (const i of here) counts[yIdx[i]] += weight[i];
          const w = counts.reduce((a, b) => a + b, 0);
          expect(counts.filter((c) => c > 0).length === 1 || best === -Infinity).toBe(true);
          expect(Array.from(tree.value.subarray(node * k, node * k + k))).toEqual(
            Array.from(counts, (c) => c / w),
          );
          for (const i of here) expect(leafOf[i]).toBe(node);
          continue;
        }
        internal++;
        const f = tree.feature[node];
        const left = here.filter((i) => columns[f][i] <= tree.threshold[node]);
        const right = here.filter((i) => columns[f][i] > tree.threshold[node]);
        expect(left.length).toBeGreaterThan(0);
        expect(right.length).toBeGreaterThan(0);
        // exactly the best proxy: integer weights make every sum exact, in any order
        expect(sideProxy(left, yIdx, weight, k) + sideProxy(right, yIdx, weight, k)).toBe(best);
      }
      expect(internal).toBeGreaterThan(5);
      for (let i = 0; i < n; i++) if (weight[i] === 0) expect(leafOf[i]).toBe(-1);
      expect(
        Array.from(applyTree(tree, columns, n)).filter((leaf, i) => weight[i] > 0 && leaf !== leafOf[i]),
      ).toEqual([]);
    },
  );
});

describe('buildTree on large trees (each order carries its values)', () => {
  // 50k rows: a bootstrap holds about 31.6k of them, past the 30k from which values are carried
  const n = 50_000;
  const { columns, yIdx, weight } = sample(n, 3, 4, 7);
  const sorted = presortColumns(columns);
  const params = { columns, sorted, maxDepth: 3, minSamplesSplit: 2, maxFeatures: 3, rng: null };

  it('splits every Gini node where a brute-force search does', () => {
    const { tree } = buildTree({ ...params, weight, criterion: giniCriterion(yIdx, 4) });
    const rows = rowsPerNode(tree, columns, weight);
    expect(rows[0].length).toBeGreaterThan(30_000);
    for (let node = 0; node < rows.length; node++) {
      if (tree.left[node] === -1) continue;
      const f = tree.feature[node];
      const left = rows[node].filter((i) => columns[f][i] <= tree.threshold[node]);
      const right = rows[node].filter((i) => columns[f][i] > tree.threshold[node]);
      expect(sideProxy(left, yIdx, weight, 4) + sideProxy(right, yIdx, weight, 4)).toBe(
        bestProxyNaive(rows[node], columns, yIdx, weight, 4),
      );
    }
  });

  it('splits every Friedman MSE node where a brute-force search does, and its leaves hold the mean', () => {
    const target = Float64Array.from(yIdx, (c, i) => c + columns[2][i] * 0.1);
    const ones = new Float64Array(n).fill(1);
    const { tree, leafOf } = buildTree({ ...params, weight: ones, criterion: mseCriterion(target) });
    const rows = rowsPerNode(tree, columns, ones);
    for (let node = 0; node < rows.length; node++) {
      const here = rows[node];
      if (tree.left[node] === -1) {
        const mean = here.reduce((s, i) => s + target[i], 0) / here.length;
        expect(tree.value[node]).toBeCloseTo(mean, 12);
        for (const i of here) expect(leafOf[i]).toBe(node);
        continue;
      }
      const f = tree.feature[node];
      const chosen = friedman(
        here.filter((i) => columns[f][i] <= tree.threshold[node]),
        here,
        target,
      );
      const best = bestCutNaive(here, columns, (left) => friedman(left, here, target));
      expect(chosen).toBeGreaterThan(0);
      expect(Math.abs(chosen - best) / best).toBeLessThan(1e-9);
    }
  });
});

/** Friedman's improvement proxy of a left side within a node (unit weights). */
function friedman(left: number[], all: number[], target: Float64Array): number {
  const sum = all.reduce((s, i) => s + target[i], 0);
  const sL = left.reduce((s, i) => s + target[i], 0);
  const wL = left.length;
  const wR = all.length - wL;
  const diff = sL * wR - (sum - sL) * wL;
  return (diff * diff) / (wL * wR);
}
