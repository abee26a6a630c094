import { expNonPositive } from './fast-exp';

/**
 * Parameters are laid out like sklearn's ravel(order='F'): theta[j * nOut + k] is the weight of
 * feature j for output k, and j = d holds the intercepts. nOut = 1 is sklearn's binary model.
 */
export interface LogregProblem {
  n: number;
  d: number;
  nOut: number;
  /** one standardized column per feature; measured as fast as a contiguous copy, so not copied */
  columns: Float64Array[];
  yIdx: Int32Array;
  /** 1 / C: the penalty is ||W||^2 / (2C), intercepts unpenalised */
  invC: number;
}

// Rows per block: the block's scores (nOut * BLOCK doubles) and the block of every column stay
// in L2 while all passes run over them.
const BLOCK = 2048;

/**
 * Returns a (theta, grad) => loss closure: summed log loss + penalty, the same objective as
 * sklearn 1.2's LinearModelLoss with sample weights 1. Scratch is allocated once here; the
 * closure allocates nothing. Block partial sums are added in block order, so the result does
 * not depend on anything but the data.
 */
export function createLogregLoss(p: LogregProblem): (theta: Float64Array, grad: Float64Array) => number {
  return p.nOut === 1 ? binaryLoss(p) : multinomialLoss(p);
}

function multinomialLoss(p: LogregProblem): (theta: Float64Array, grad: Float64Array) => number {
  const { n, d, nOut: K, columns, yIdx, invC } = p;
  const z = new Float64Array(K * BLOCK);
  const rowMax = new Float64Array(BLOCK);
  const rowSum = new Float64Array(BLOCK);
  // The passes are module-level functions rather than loops of this closure: V8 optimizes small
  // functions after a few calls, while one large closure ran unoptimized through the first fits of
  // a process (on-stack replacement, 40-90 ms compiles), about 150 ms more per cold fit.
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const m = Math.min(BLOCK, n - i0);
      blockScores(theta, columns, z, K, d, i0, m);
      loss = blockSoftmax(z, rowMax, rowSum, yIdx, K, i0, m, loss);
      blockResiduals(z, rowSum, yIdx, grad, K, d, i0, m);
      blockGradient(z, columns, grad, K, d, i0, m);
    }
    for (let q = 0; q < d * K; q++) {
      const w = theta[q];
      loss += 0.5 * invC * w * w;
      grad[q] += invC * w;
    }
    return loss;
  };
}

/** Scores of rows i0..i0+m: z[k * BLOCK + t] = b_k + sum_j w_jk x_j[i0 + t]; two classes and four columns per sweep. */
function blockScores(
  theta: Float64Array,
  columns: Float64Array[],
  z: Float64Array,
  K: number,
  d: number,
  i0: number,
  m: number,
): void {
  let k = 0;
  for (; k + 2 <= K; k += 2) {
    const za = k * BLOCK;
    const zb = za + BLOCK;
    const ba = theta[d * K + k];
    const bb = theta[d * K + k + 1];
    for (let t = 0; t < m; t++) {
      z[za + t] = ba;
      z[zb + t] = bb;
    }
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const q = j * K + k;
      const a0 = theta[q],
        a1 = theta[q + K],
        a2 = theta[q + 2 * K],
        a3 = theta[q + 3 * K];
      const b0 = theta[q + 1],
        b1 = theta[q + K + 1],
        b2 = theta[q + 2 * K + 1],
        b3 = theta[q + 3 * K + 1];
      const c0 = columns[j],
        c1 = columns[j + 1],
        c2 = columns[j + 2],
        c3 = columns[j + 3];
      for (let t = 0, i = i0; t < m; t++, i++) {
        const x0 = c0[i],
          x1 = c1[i],
          x2 = c2[i],
          x3 = c3[i];
        z[za + t] += a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
        z[zb + t] += b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
      }
    }
    for (; j < d; j++) {
      const wa = theta[j * K + k];
      const wb = theta[j * K + k + 1];
      const c = columns[j];
      for (let t = 0, i = i0; t < m; t++, i++) {
        const x = c[i];
        z[za + t] += wa * x;
        z[zb + t] += wb * x;
      }
    }
  }
  for (; k < K; k++) {
    const zo = k * BLOCK;
    const bias = theta[d * K + k];
    for (let t = 0; t < m; t++) z[zo + t] = bias;
    for (let j = 0; j < d; j++) {
      const w = theta[j * K + k];
      const c = columns[j];
      for (let t = 0, i = i0; t < m; t++, i++) z[zo + t] += w * c[i];
    }
  }
}

/**
 * Softmax of the block's scores: returns loss plus each row's log(sum_k e^(z_k - max)) + max - z_y,
 * added in the same order as ever; z becomes e^(z - max) and rowSum 1 / sum.
 */
function blockSoftmax(
  z: Float64Array,
  rowMax: Float64Array,
  rowSum: Float64Array,
  yIdx: Int32Array,
  K: number,
  i0: number,
  m: number,
  loss: number,
): number {
  rowMax.set(z.subarray(0, m));
  for (let k = 1; k < K; k++) {
    const zo = k * BLOCK;
    for (let t = 0; t < m; t++) if (z[zo + t] > rowMax[t]) rowMax[t] = z[zo + t];
  }
  for (let t = 0; t < m; t++) {
    loss += rowMax[t] - z[yIdx[i0 + t] * BLOCK + t];
    rowSum[t] = 0;
  }
  for (let k = 0; k < K; k++) {
    const zo = k * BLOCK;
    for (let t = 0; t < m; t++) {
      const e = expNonPositive(z[zo + t] - rowMax[t]);
      z[zo + t] = e;
      rowSum[t] += e;
    }
  }
  for (let t = 0; t < m; t++) {
    loss += Math.log(rowSum[t]);
    rowSum[t] = 1 / rowSum[t];
  }
  return loss;
}

/** z becomes the residuals p - onehot(y); their sums go to the intercepts' gradient. */
function blockResiduals(
  z: Float64Array,
  rowSum: Float64Array,
  yIdx: Int32Array,
  grad: Float64Array,
  K: number,
  d: number,
  i0: number,
  m: number,
): void {
  for (let k = 0; k < K; k++) {
    const zo = k * BLOCK;
    let gb = 0;
    for (let t = 0; t < m; t++) {
      const r = z[zo + t] * rowSum[t] - (yIdx[i0 + t] === k ? 1 : 0);
      z[zo + t] = r;
      gb += r;
    }
    grad[d * K + k] += gb;
  }
}

/** g_jk += sum_t r_k[t] x_j[i0 + t]; two classes and four columns per sweep. */
function blockGradient(
  z: Float64Array,
  columns: Float64Array[],
  grad: Float64Array,
  K: number,
  d: number,
  i0: number,
  m: number,
): void {
  let k2 = 0;
  for (; k2 + 2 <= K; k2 += 2) {
    const za = k2 * BLOCK;
    const zb = za + BLOCK;
    let j = 0;
    for (; j + 4 <= d; j += 4) {
      const c0 = columns[j],
        c1 = columns[j + 1],
        c2 = columns[j + 2],
        c3 = columns[j + 3];
      let a0 = 0,
        a1 = 0,
        a2 = 0,
        a3 = 0,
        b0 = 0,
        b1 = 0,
        b2 = 0,
        b3 = 0;
      for (let t = 0, i = i0; t < m; t++, i++) {
        const ra = z[za + t];
        const rb = z[zb + t];
        const x0 = c0[i],
          x1 = c1[i],
          x2 = c2[i],
          x3 = c3[i];
        a0 += ra * x0;
        a1 += ra * x1;
        a2 += ra * x2;
        a3 += ra * x3;
        b0 += rb * x0;
        b1 += rb * x1;
        b2 += rb * x2;
        b3 += rb * x3;
      }
      const q = j * K + k2;
      grad[q] += a0;
      grad[q + K] += a1;
      grad[q + 2 * K] += a2;
      grad[q + 3 * K] += a3;
      grad[q + 1] += b0;
      grad[q + K + 1] += b1;
      grad[q + 2 * K + 1] += b2;
      grad[q + 3 * K + 1] += b3;
    }
    for (; j < d; j++) {
      const c = columns[j];
      let ga = 0,
        gb = 0;
      for (let t = 0, i = i0; t < m; t++, i++) {
        const x = c[i];
        ga += z[za + t] * x;
        gb += z[zb + t] * x;
      }
      grad[j * K + k2] += ga;
      grad[j * K + k2 + 1] += gb;
    }
  }
  for (; k2 < K; k2++) {
    const zo = k2 * BLOCK;
    for (let j = 0; j < d; j++) {
      const c = columns[j];
      let g = 0;
      for (let t = 0, i = i0; t < m; t++, i++) g += z[zo + t] * c[i];
      grad[j * K + k2] += g;
    }
  }
}

function binaryLoss(p: LogregProblem): (theta: Float64Array, grad: Float64Array) => number {
  const { n, d, columns, yIdx, invC } = p;
  const z = new Float64Array(n);
  return (theta, grad) => {
    z.fill(theta[d]);
    for (let j = 0; j < d; j++) {
      const w = theta[j];
      const c = columns[j];
      for (let i = 0; i < n; i++) z[i] += w * c[i];
    }
    let loss = 0;
    let gb = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[i];
      const yi = yIdx[i];
      // log(1 + e^z) - y z and sigmoid(z) - y, both stable for large |z|
      const e = Math.exp(-Math.abs(zi));
      loss += (zi > 0 ? zi : 0) + Math.log1p(e) - yi * zi;
      const prob = zi >= 0 ? 1 / (1 + e) : e / (1 + e);
      z[i] = prob - yi;
      gb += z[i];
    }
    grad[d] = gb;
    for (let j = 0; j < d; j++) {
      const c = columns[j];
      let g = 0;
      for (let i = 0; i < n; i++) g += z[i] * c[i];
      const w = theta[j];
      loss += 0.5 * invC * w * w;
      grad[j] = g + invC * w;
    }
    return loss;
  };
}
