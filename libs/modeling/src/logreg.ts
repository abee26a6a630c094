import { lbfgsSteps, type LbfgsResult } from './lbfgs';
import { createLogregLoss, type LogregProblem } from './logreg-loss';
import { createPreconditioner } from './logreg-precondition';
import { runSteps, type Steps } from './steps';
import type { LogregSpec, MetricHistory } from './types';

/** nOut = 1 for two classes (sklearn's binary logistic), otherwise one row per class (multinomial). */
export interface LogregEstimator {
  coef: Float64Array[];
  intercept: Float64Array;
}

/**
 * L2-penalised logistic regression (sklearn's C convention: summed log loss + ||W||^2 / (2C),
 * intercept not penalised), minimised by L-BFGS with scipy's L-BFGS-B line search and stopping
 * tests (max |gradient| <= tol, relative loss decrease <= 1e7 eps, or maxIter iterations), the
 * same objective and tests sklearn's lbfgs solver uses. The class-frequency preconditioner
 * (logreg-precondition.ts) gets there in 2.5-4.5x fewer iterations; `precondition: false`
 * gives plain L-BFGS, which takes sklearn's iterations one for one (quality.spec.ts checks).
 */
export function fitLogreg(...args: Parameters<typeof logregSteps>): LogregEstimator {
  return runSteps(logregSteps(...args));
}

/** fitLogreg as steps: one per L-BFGS iteration. */
export function* logregSteps(
  spec: LogregSpec,
  columns: Float64Array[],
  yIdx: Int32Array,
  nClasses: number,
  onProgress?: (done: number, total: number) => void,
  opts: { precondition?: boolean; stats?: (r: LbfgsResult) => void; history?: MetricHistory[] } = {},
): Steps<LogregEstimator> {
  const d = columns.length;
  const n = yIdx.length;
  const nOut = nClasses === 2 ? 1 : nClasses;
  const problem: LogregProblem = { n, d, nOut, columns, yIdx, invC: 1 / spec.C };
  const applyH0 = opts.precondition === false ? undefined : createPreconditioner(problem);
  const losses: number[] = [];
  const result = yield* lbfgsSteps(createLogregLoss(problem), new Float64Array((d + 1) * nOut), {
    maxIter: spec.maxIter,
    pgtol: spec.tol,
    applyH0,
    onIteration: onProgress && ((iter) => onProgress(iter, spec.maxIter)),
    trace: opts.history && ((_iter, f) => losses.push(f)),
  });
  opts.stats?.(result);
  opts.history?.push({
    name: 'train_loss',
    steps: Int32Array.from(losses, (_, i) => i),
    values: Float64Array.from(losses),
  });
  const theta = result.x;
  const coef: Float64Array[] = [];
  const intercept = new Float64Array(nOut);
  for (let k = 0; k < nOut; k++) {
    const w = new Float64Array(d);
    for (let j = 0; j < d; j++) w[j] = theta[j * nOut + k];
    coef.push(w);
    intercept[k] = theta[d * nOut + k];
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
  const out = filledColumns(raw.length, n, 0);
  softmaxInto(raw, out, nClasses);
  return out;
}

/** Row-wise softmax of raw's first nClasses columns into out's (same lengths). */
export function softmaxInto(raw: Float64Array[], out: Float64Array[], nClasses: number): void {
  const n = raw.length > 0 ? raw[0].length : 0;
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
}

/**
 * count columns of n values, all `value`. Built by push: arrays from Array.from or map are holey or
 * packed depending on whether the caller runs optimized, and the other kind deoptimized the
 * functions they are passed to (softmaxInto, once per fit).
 */
export function filledColumns(count: number, n: number, value: number | ArrayLike<number>): Float64Array[] {
  const out: Float64Array[] = [];
  for (let k = 0; k < count; k++) {
    const column = new Float64Array(n);
    const v = typeof value === 'number' ? value : value[k];
    if (v !== 0) column.fill(v);
    out.push(column);
  }
  return out;
}
