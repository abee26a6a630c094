import { createHash } from 'node:crypto';
import type { TreeArrays } from './tree';
import type { RandomForestSpec } from './types';

/**
 * Trees of forests fitted before in this process, for fits that differ only in n_estimators.
 * Each tree's seed is drawn in order from random_state (forestSteps), so tree t of a forest
 * depends on the data and every parameter but n_estimators: a 50-tree forest is the first 50 trees
 * of the 200-tree one with the same seed, as in scikit-learn (and its warm_start). A sweep over
 * n_estimators then builds each tree once, and every forest it returns is the one a fresh fit
 * returns, tree for tree.
 *
 * Bounded: once the trees held pass `maxBytes`, the forests used least recently are dropped, and a
 * forest that alone passes it keeps only the trees that fit.
 */
export class ForestTreeCache {
  private readonly forests = new Map<string, { trees: TreeArrays[]; bytes: number }>();
  private bytes = 0;

  constructor(private readonly maxBytes = 64 * 1024 * 1024) {}

  /** The trees held for this forest (its first trees.length trees), most recently used from now on. */
  trees(key: string): readonly TreeArrays[] {
    const entry = this.forests.get(key);
    if (!entry) return [];
    this.forests.delete(key);
    this.forests.set(key, entry);
    return entry.trees;
  }

  /** Tree number `index` of the forest `key`, just built (kept only if it extends the held trees). */
  add(key: string, index: number, tree: TreeArrays): void {
    let entry = this.forests.get(key);
    if (!entry) {
      entry = { trees: [], bytes: 0 };
      this.forests.set(key, entry);
    }
    if (index !== entry.trees.length) return;
    const size = treeBytes(tree);
    for (const [other, held] of this.forests) {
      if (this.bytes + size <= this.maxBytes || other === key) break;
      this.forests.delete(other);
      this.bytes -= held.bytes;
    }
    if (this.bytes + size > this.maxBytes) return;
    entry.trees.push(tree);
    entry.bytes += size;
    this.bytes += size;
  }

  /** Bytes of tree arrays held. */
  get size(): number {
    return this.bytes;
  }
}

function treeBytes(t: TreeArrays): number {
  return (
    t.feature.byteLength +
    t.threshold.byteLength +
    t.left.byteLength +
    t.right.byteLength +
    t.value.byteLength
  );
}

/**
 * What a forest's trees depend on: the training data as fitted (scaled columns, class indices) and
 * every parameter but n_estimators.
 */
export function forestKey(
  spec: RandomForestSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
): string {
  const { nEstimators: _all, ...params } = spec;
  const h = createHash('sha256');
  h.update(JSON.stringify([params, nClasses, columns.length]));
  for (const c of columns) h.update(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
  h.update(new Uint8Array(yIdx.buffer, yIdx.byteOffset, yIdx.byteLength));
  return h.digest('hex');
}
