import type { MetricHistory } from './types';

/** A scaled validation set with labels as class indices (-1: a label the training data lacks). */
export interface ValidationSet {
  columns: Float64Array[];
  yIdx: Int32Array;
}

/** Where a tree ensemble writes its history: one slot per stage or tree, allocated up front. */
export interface EnsembleHistory {
  history: MetricHistory[];
  validation?: ValidationSet;
}

export function stepsFrom1(count: number): Int32Array {
  return Int32Array.from({ length: count }, (_, i) => i + 1);
}

/**
 * Accuracy of class scores scores[k][i] / divisor (divisor 1: as given), with the argmax that
 * predict uses (first maximum wins), so the last value equals the fitted model's accuracy.
 */
export function argmaxAccuracy(scores: Float64Array[], yIdx: Int32Array, divisor = 1): number {
  const n = yIdx.length;
  let correct = 0;
  for (let i = 0; i < n; i++) {
    let best = 0;
    let bestV = scores[0][i] / divisor;
    for (let k = 1; k < scores.length; k++) {
      const v = scores[k][i] / divisor;
      if (v > bestV) {
        bestV = v;
        best = k;
      }
    }
    if (best === yIdx[i]) correct++;
  }
  return n === 0 ? NaN : correct / n;
}
