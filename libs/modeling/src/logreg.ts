import type { LogregSpec } from './types';

/** nOut = 1 for two classes (sklearn's binary logistic), otherwise one row per class (multinomial). */
export interface LogregEstimator {
  coef: Float64Array[];
  intercept: Float64Array;
}

interface Problem {
  n: number;
  d: number;
  nOut: number;
  columns: Float64Array[];
  yIdx: Int32Array;
  invC: number;
  /** scratch: one length-n array per output (scores, then residuals) */
  z: Float64Array[];
  rowMax: Float64Array;
  rowSum: Float64Array;
}

// Column-major on purpose: every inner loop runs over n samples, which V8 compiles tightly.
function lossAndGrad(p: Problem, theta: Float64Array, grad: Float64Array): number {
  const { n, d, nOut, columns, yIdx, invC, z } = p;
  const stride = d + 1;
  for (let k = 0; k < nOut; k++) {
    const base = k * stride;
    const zk = z[k];
    zk.fill(theta[base + d]);
    let j = 0;
    // four features per pass: fewer sweeps over zk
    for (; j + 4 <= d; j += 4) {
      const w0 = theta[base + j],
        w1 = theta[base + j + 1],
        w2 = theta[base + j + 2],
        w3 = theta[base + j + 3];
      const c0 = columns[j],
        c1 = columns[j + 1],
        c2 = columns[j + 2],
        c3 = columns[j + 3];
      for (let i = 0; i < n; i++) zk[i] += w0 * c0[i] + w1 * c1[i] + w2 * c2[i] + w3 * c3[i];
    }
    for (; j < d; j++) {
      const w = theta[base + j];
      const col = columns[j];
      for (let i = 0; i < n; i++) zk[i] += w * col[i];
    }
  }
  let loss = 0;
  if (nOut === 1) {
    const z0 = z[0];
    for (let i = 0; i < n; i++) {
      const zi = z0[i];
      const yi = yIdx[i];
      // log(1 + e^z) computed stably
      const softplus = zi > 0 ? zi + Math.log1p(Math.exp(-zi)) : Math.log1p(Math.exp(zi));
      loss += softplus - yi * zi;
      const prob = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
      z0[i] = prob - yi;
    }
  } else {
    const { rowMax, rowSum } = p;
    rowMax.set(z[0]);
    for (let k = 1; k < nOut; k++) {
      const zk = z[k];
      for (let i = 0; i < n; i++) if (zk[i] > rowMax[i]) rowMax[i] = zk[i];
    }
    for (let i = 0; i < n; i++) loss += rowMax[i] - z[yIdx[i]][i];
    rowSum.fill(0);
    for (let k = 0; k < nOut; k++) {
      const zk = z[k];
      for (let i = 0; i < n; i++) {
        const e = Math.exp(zk[i] - rowMax[i]);
        zk[i] = e;
        rowSum[i] += e;
      }
    }
    for (let i = 0; i < n; i++) {
      loss += Math.log(rowSum[i]);
      rowSum[i] = 1 / rowSum[i];
    }
    // residuals p - onehot(y)
    for (let k = 0; k < nOut; k++) {
      const zk = z[k];
      for (let i = 0; i < n; i++) zk[i] = zk[i] * rowSum[i] - (yIdx[i] === k ? 1 : 0);
    }
  }
  for (let k = 0; k < nOut; k++) {
    const base = k * stride;
    const rk = z[k];
    let gb = 0;
    for (let i = 0; i < n; i++) gb += rk[i];
    grad[base + d] = gb;
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
      for (let i = 0; i < n; i++) {
        const r = rk[i];
        g0 += r * c0[i];
        g1 += r * c1[i];
        g2 += r * c2[i];
        g3 += r * c3[i];
      }
      grad[base + j] = g0;
      grad[base + j + 1] = g1;
      grad[base + j + 2] = g2;
      grad[base + j + 3] = g3;
    }
    for (; j < d; j++) {
      const col = columns[j];
      let g = 0;
      for (let i = 0; i < n; i++) g += rk[i] * col[i];
      grad[base + j] = g;
    }
    for (let jj = 0; jj < d; jj++) {
      const w = theta[base + jj];
      loss += 0.5 * invC * w * w;
      grad[base + jj] += invC * w;
    }
  }
  return loss;
}

// scipy L-BFGS-B default (factr 1e7 * eps), which sklearn 1.2 leaves unchanged
const FTOL = 1e7 * Number.EPSILON;

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > m) m = v;
  }
  return m;
}

/**
 * L2-penalised logistic regression (sklearn's C convention: summed log loss + ||W||^2 / (2C),
 * intercept not penalised) minimised with L-BFGS. Stops like scipy's L-BFGS-B as used by sklearn:
 * max |gradient| <= tol, relative loss decrease <= 1e7 eps, or maxIter iterations.
 */
export function fitLogreg(
  spec: LogregSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
  onProgress?: (done: number, total: number) => void,
): LogregEstimator {
  const d = columns.length;
  const n = yIdx.length;
  const nOut = nClasses === 2 ? 1 : nClasses;
  const z = Array.from({ length: nOut }, () => new Float64Array(n));
  const problem: Problem = {
    n,
    d,
    nOut,
    columns,
    yIdx,
    invC: 1 / spec.C,
    z,
    rowMax: new Float64Array(n),
    rowSum: new Float64Array(n),
  };
  const size = nOut * (d + 1);
  const memory = 10;
  const sHist: Float64Array[] = [];
  const yHist: Float64Array[] = [];
  const rhoHist: number[] = [];
  const alpha = new Float64Array(memory);

  let theta = new Float64Array(size);
  let grad = new Float64Array(size);
  let f = lossAndGrad(problem, theta, grad);
  const dir = new Float64Array(size);
  let nextTheta = new Float64Array(size);
  let nextGrad = new Float64Array(size);

  for (let iter = 0; iter < spec.maxIter; iter++) {
    if (maxAbs(grad) <= spec.tol) break;
    // two-loop recursion: dir = -H * grad
    for (let i = 0; i < size; i++) dir[i] = -grad[i];
    const m = sHist.length;
    for (let h = m - 1; h >= 0; h--) {
      alpha[h] = rhoHist[h] * dot(sHist[h], dir);
      const yh = yHist[h];
      for (let i = 0; i < size; i++) dir[i] -= alpha[h] * yh[i];
    }
    if (m > 0) {
      const gamma = dot(sHist[m - 1], yHist[m - 1]) / dot(yHist[m - 1], yHist[m - 1]);
      for (let i = 0; i < size; i++) dir[i] *= gamma;
    } else {
      const g = Math.sqrt(dot(grad, grad));
      for (let i = 0; i < size; i++) dir[i] /= Math.max(1, g);
    }
    for (let h = 0; h < m; h++) {
      const beta = rhoHist[h] * dot(yHist[h], dir);
      const sh = sHist[h];
      for (let i = 0; i < size; i++) dir[i] += (alpha[h] - beta) * sh[i];
    }
    let slope = dot(grad, dir);
    if (slope >= 0) {
      // not a descent direction (numerical trouble): restart from steepest descent
      sHist.length = yHist.length = rhoHist.length = 0;
      for (let i = 0; i < size; i++) dir[i] = -grad[i];
      slope = -dot(grad, grad);
    }
    // backtracking Armijo line search
    let step = 1;
    let fNext = f;
    let accepted = false;
    for (let ls = 0; ls < 50; ls++) {
      for (let i = 0; i < size; i++) nextTheta[i] = theta[i] + step * dir[i];
      fNext = lossAndGrad(problem, nextTheta, nextGrad);
      if (fNext <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;
    const s = new Float64Array(size);
    const yv = new Float64Array(size);
    for (let i = 0; i < size; i++) {
      s[i] = nextTheta[i] - theta[i];
      yv[i] = nextGrad[i] - grad[i];
    }
    const sy = dot(s, yv);
    if (sy > 1e-12) {
      if (sHist.length === memory) {
        sHist.shift();
        yHist.shift();
        rhoHist.shift();
      }
      sHist.push(s);
      yHist.push(yv);
      rhoHist.push(1 / sy);
    }
    const fPrev = f;
    [theta, nextTheta] = [nextTheta, theta];
    [grad, nextGrad] = [nextGrad, grad];
    f = fNext;
    onProgress?.(iter + 1, spec.maxIter);
    if ((fPrev - f) / Math.max(Math.abs(fPrev), Math.abs(f), 1) <= FTOL) break;
  }

  const coef: Float64Array[] = [];
  const intercept = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) {
    coef.push(theta.slice(k * (d + 1), k * (d + 1) + d));
    intercept[k] = theta[k * (d + 1) + d];
  }
  return { coef, intercept };
}

/** Class probabilities, one array per class. */
export function predictLogregProba(
  est: LogregEstimator,
  columns: Float64Array[],
  nClasses: number,
): Float64Array[] {
  const n = columns.length > 0 ? columns[0].length : 0;
  const d = columns.length;
  const nOut = est.coef.length;
  const raw: Float64Array[] = [];
  for (let k = 0; k < nOut; k++) {
    const r = new Float64Array(n).fill(est.intercept[k]);
    const w = est.coef[k];
    for (let j = 0; j < d; j++) {
      const col = columns[j];
      const wj = w[j];
      for (let i = 0; i < n; i++) r[i] += wj * col[i];
    }
    raw.push(r);
  }
  if (nOut === 1) {
    const p1 = raw[0].map((v) => 1 / (1 + Math.exp(-v)));
    return [p1.map((v) => 1 - v), p1];
  }
  return softmaxColumns(raw, nClasses);
}

export function softmaxColumns(raw: Float64Array[], nClasses: number): Float64Array[] {
  const n = raw.length > 0 ? raw[0].length : 0;
  const out = raw.map(() => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let k = 0; k < nClasses; k++) if (raw[k][i] > max) max = raw[k][i];
    let sum = 0;
    for (let k = 0; k < nClasses; k++) {
      const e = Math.exp(raw[k][i] - max);
      out[k][i] = e;
      sum += e;
    }
    for (let k = 0; k < nClasses; k++) out[k][i] /= sum;
  }
  return out;
}
