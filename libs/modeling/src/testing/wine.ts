// Test-only helpers: a tiny WineQT reader and seeded stratified folds, independent of
// @cellar/data's CSV loader and splits so the model tests do not move when those change.
import fs from 'node:fs';
import path from 'node:path';
import { createRng } from '@cellar/data';
import type { ModelSpec } from '../types';

export interface WineTable {
  featureNames: string[];
  columns: Float64Array[];
  y: Float64Array;
}

export function findRepoRoot(from: string = __dirname): string {
  let dir = from;
  while (!fs.existsSync(path.join(dir, 'nx.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no nx.json above ${from}`);
    dir = up;
  }
  return dir;
}

export function wineCsvPath(): string {
  // The example DVC remote in the repo holds WineQT.csv as its only object.
  return path.resolve(findRepoRoot(), 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');
}

/** Reads the 11 features and quality; drops Id. Plain split is enough: WineQT has no quoted fields. */
export function readWine(file: string = wineCsvPath()): WineTable {
  if (!fs.existsSync(file))
    throw new Error(`${file} not found: the example remote (data/remote) is missing from the checkout`);
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const target = header.indexOf('quality');
  const featureIdx = header.map((_, j) => j).filter((j) => j !== target && header[j] !== 'Id');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return {
    featureNames: featureIdx.map((j) => header[j]),
    columns: featureIdx.map((j) => Float64Array.from(rows, (r) => r[j])),
    y: Float64Array.from(rows, (r) => r[target]),
  };
}

function shuffledByClass(y: ArrayLike<number>, seed: number): number[][] {
  const rng = createRng(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) {
    const list = byClass.get(y[i]) ?? [];
    list.push(i);
    byClass.set(y[i], list);
  }
  return [...byClass.keys()]
    .sort((a, b) => a - b)
    .map((c) => {
      const idx = byClass.get(c) as number[];
      for (let i = idx.length - 1; i > 0; i--) {
        const r = rng.nextInt(i + 1);
        [idx[i], idx[r]] = [idx[r], idx[i]];
      }
      return idx;
    });
}

/** fold[i] in 0..k-1; every class is dealt round-robin over the folds. */
export function stratifiedFolds(y: ArrayLike<number>, k: number, seed: number): Int32Array {
  const fold = new Int32Array(y.length);
  let offset = 0;
  for (const idx of shuffledByClass(y, seed)) {
    idx.forEach((i, pos) => (fold[i] = (pos + offset) % k));
    offset += idx.length;
  }
  return fold;
}

/** Row indices of a stratified train/test split (test share rounded per class). */
export function stratifiedSplit(
  y: ArrayLike<number>,
  testSize: number,
  seed: number,
): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (const idx of shuffledByClass(y, seed)) {
    const nTest = Math.round(idx.length * testSize);
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  train.sort((a, b) => a - b);
  test.sort((a, b) => a - b);
  return { train, test };
}

export function takeRows(table: WineTable, rows: number[]): WineTable {
  return {
    featureNames: table.featureNames,
    columns: table.columns.map((c) => Float64Array.from(rows, (i) => c[i])),
    y: Float64Array.from(rows, (i) => table.y[i]),
  };
}

/** A small seeded forest (60 trees, full depth) that the fit-step and fit-history tests share. */
export const SMALL_FOREST: Extract<ModelSpec, { type: 'random_forest' }> = {
  type: 'random_forest',
  nEstimators: 60,
  maxDepth: null,
  maxFeatures: 'sqrt',
  minSamplesSplit: 2,
  randomState: 7,
};
