export interface Scaler {
  mean: number[];
  scale: number[];
}

/**
 * Like scikit-learn's StandardScaler: population std by the corrected two-pass algorithm, and
 * scale 1 for columns whose variance is within rounding error of 0 (its `_is_constant_feature`).
 */
export function fitScaler(columns: Float64Array[]): Scaler {
  const mean: number[] = [];
  const scale: number[] = [];
  for (const col of columns) {
    const n = col.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += col[i];
    const m = n > 0 ? sum / n : 0;
    let ss = 0;
    let correction = 0;
    for (let i = 0; i < n; i++) {
      const d = col[i] - m;
      correction += d;
      ss += d * d;
    }
    const variance = n > 0 ? (ss - (correction * correction) / n) / n : 0;
    mean.push(m);
    scale.push(isConstantFeature(variance, m, n) ? 1 : Math.sqrt(variance));
  }
  return { mean, scale };
}

// scikit-learn's bound on the error of the corrected two-pass variance (Chan, Golub and LeVeque):
// a variance at or below it cannot be told apart from 0. A plain `std < k * eps * |mean|` misses
// constants such as 0.08 whose summation error grows with n.
function isConstantFeature(variance: number, mean: number, n: number): boolean {
  const eps = Number.EPSILON;
  return variance <= n * eps * variance + (n * mean * eps) ** 2;
}

export function applyScaler(scaler: Scaler, columns: Float64Array[]): Float64Array[] {
  return columns.map((col, j) => {
    const out = new Float64Array(col.length);
    const m = scaler.mean[j];
    const s = scaler.scale[j];
    for (let i = 0; i < col.length; i++) out[i] = (col[i] - m) / s;
    return out;
  });
}
