export interface Scaler {
  mean: number[];
  scale: number[];
}

/** Like sklearn's StandardScaler: population std, and scale 1 for (near-)constant columns. */
export function fitScaler(columns: Float64Array[]): Scaler {
  const mean: number[] = [];
  const scale: number[] = [];
  for (const col of columns) {
    const n = col.length;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += col[i];
    const m = n > 0 ? sum / n : 0;
    let ss = 0;
    for (let i = 0; i < n; i++) {
      const d = col[i] - m;
      ss += d * d;
    }
    const std = n > 0 ? Math.sqrt(ss / n) : 0;
    mean.push(m);
    // sklearn treats std below 10 * eps * |mean| as zero variance
    scale.push(std === 0 || std < 10 * Number.EPSILON * Math.abs(m) ? 1 : std);
  }
  return { mean, scale };
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
