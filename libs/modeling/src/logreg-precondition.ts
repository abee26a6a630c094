import type { LogregProblem } from './logreg-loss';

/** Above this many parameters the dense preconditioner costs more than it saves. */
const MAX_PARAMS = 600;

/**
 * A fixed initial inverse Hessian for L-BFGS: the Hessian of the loss with every row's class
 * probabilities replaced by the class frequencies pi, (diag(pi) - pi pi') kron X~'X~ + penalty,
 * X~ = [X, 1]. It captures the scale of each class and the feature correlations that plain
 * L-BFGS has to learn over many iterations. The direction along which all intercepts move
 * together leaves the multinomial loss unchanged; it gets a neutral curvature so it stays
 * decoupled. Returns out = P^-1 v via a Cholesky factor, or undefined when too large.
 */
export function createPreconditioner(
  p: LogregProblem,
): ((v: Float64Array, out: Float64Array) => void) | undefined {
  const { n, d, nOut: K, columns, yIdx, invC } = p;
  const D = d + 1;
  const size = D * K;
  if (size > MAX_PARAMS || n === 0) return undefined;
  // Gram matrix of [X, 1]
  const gram = new Float64Array(D * D);
  for (let a = 0; a < d; a++) {
    const ca = columns[a];
    for (let b = a; b < d; b++) {
      const cb = columns[b];
      let s = 0;
      for (let i = 0; i < n; i++) s += ca[i] * cb[i];
      gram[a * D + b] = gram[b * D + a] = s;
    }
    let s = 0;
    for (let i = 0; i < n; i++) s += ca[i];
    gram[a * D + d] = gram[d * D + a] = s;
  }
  gram[d * D + d] = n;
  // class-frequency curvature
  const nClasses = K === 1 ? 2 : K;
  const freq = new Float64Array(nClasses);
  for (let i = 0; i < n; i++) freq[yIdx[i]] += 1 / n;
  const A = new Float64Array(K * K);
  if (K === 1) A[0] = freq[1] * (1 - freq[1]);
  else
    for (let k = 0; k < K; k++)
      for (let l = 0; l < K; l++) A[k * K + l] = (k === l ? freq[k] : 0) - freq[k] * freq[l];
  const P = new Float64Array(size * size);
  for (let a = 0; a < D; a++)
    for (let b = 0; b < D; b++)
      for (let k = 0; k < K; k++)
        for (let l = 0; l < K; l++) P[(a * K + k) * size + b * K + l] = A[k * K + l] * gram[a * D + b];
  for (let q = 0; q < d * K; q++) P[q * size + q] += invC;
  let trace = 0;
  for (let k = 0; k < K; k++) trace += A[k * K + k];
  const neutral = (n * trace) / K;
  if (K > 1)
    for (let k = 0; k < K; k++) for (let l = 0; l < K; l++) P[(d * K + k) * size + d * K + l] += neutral / K;
  // in-place Cholesky, lower triangle
  for (let j = 0; j < size; j++) {
    let s = P[j * size + j];
    for (let k = 0; k < j; k++) s -= P[j * size + k] * P[j * size + k];
    if (!(s > 0)) return undefined;
    const ljj = Math.sqrt(s);
    P[j * size + j] = ljj;
    for (let i = j + 1; i < size; i++) {
      let t = P[i * size + j];
      for (let k = 0; k < j; k++) t -= P[i * size + k] * P[j * size + k];
      P[i * size + j] = t / ljj;
    }
  }
  return (v, out) => {
    for (let i = 0; i < size; i++) {
      let s = v[i];
      for (let k = 0; k < i; k++) s -= P[i * size + k] * out[k];
      out[i] = s / P[i * size + i];
    }
    for (let i = size - 1; i >= 0; i--) {
      let s = out[i];
      for (let k = i + 1; k < size; k++) s -= P[k * size + i] * out[k];
      out[i] = s / P[i * size + i];
    }
  };
}
