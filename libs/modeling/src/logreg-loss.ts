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
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i0 = 0; i0 < n; i0 += BLOCK) {
      const m = Math.min(BLOCK, n - i0);
      // scores: z[k][t] = b_k + sum_j w_jk x_j[i0 + t], four columns per sweep
      for (let k = 0; k < K; k++) {
        const zo = k * BLOCK;
        const bias = theta[d * K + k];
        for (let t = 0; t < m; t++) z[zo + t] = bias;
        let j = 0;
        for (; j + 4 <= d; j += 4) {
          const w0 = theta[j * K + k],
            w1 = theta[(j + 1) * K + k],
            w2 = theta[(j + 2) * K + k],
            w3 = theta[(j + 3) * K + k];
          const c0 = columns[j],
            c1 = columns[j + 1],
            c2 = columns[j + 2],
            c3 = columns[j + 3];
          for (let t = 0, i = i0; t < m; t++, i++) {
            z[zo + t] += w0 * c0[i] + w1 * c1[i] + w2 * c2[i] + w3 * c3[i];
          }
        }
        for (; j < d; j++) {
          const w = theta[j * K + k];
          const c = columns[j];
          for (let t = 0, i = i0; t < m; t++, i++) z[zo + t] += w * c[i];
        }
      }
      // softmax: loss_i = log(sum_k e^(z_k - max)) + max - z_y; then z becomes p - onehot(y)
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
      for (let k = 0; k < K; k++) {
        const zo = k * BLOCK;
        for (let t = 0; t < m; t++) z[zo + t] *= rowSum[t];
      }
      for (let t = 0; t < m; t++) z[yIdx[i0 + t] * BLOCK + t] -= 1;
      // gradient: g_jk += sum_t r_k[t] x_j[i0 + t]
      for (let k = 0; k < K; k++) {
        const zo = k * BLOCK;
        let gb = 0;
        for (let t = 0; t < m; t++) gb += z[zo + t];
        grad[d * K + k] += gb;
        let j = 0;
        for (; j + 4 <= d; j += 4) {
          const c0 = columns[j],
            c1 = columns[j + 1],
            c2 = columns[j + 2],
            c3 = columns[j + 3];
          let g0 = 0,
            g1 = 0,
            g2 = 0,
            g3 = 0;
          for (let t = 0, i = i0; t < m; t++, i++) {
            const r = z[zo + t];
            g0 += r * c0[i];
            g1 += r * c1[i];
            g2 += r * c2[i];
            g3 += r * c3[i];
          }
          grad[j * K + k] += g0;
          grad[(j + 1) * K + k] += g1;
          grad[(j + 2) * K + k] += g2;
          grad[(j + 3) * K + k] += g3;
        }
        for (; j < d; j++) {
          const c = columns[j];
          let g = 0;
          for (let t = 0, i = i0; t < m; t++, i++) g += z[zo + t] * c[i];
          grad[j * K + k] += g;
        }
      }
    }
    for (let q = 0; q < d * K; q++) {
      const w = theta[q];
      loss += 0.5 * invC * w * w;
      grad[q] += invC * w;
    }
    return loss;
  };
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
