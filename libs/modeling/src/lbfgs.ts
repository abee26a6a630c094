import { MoreThuente } from './line-search';
import { runSteps, type Steps } from './steps';

/** Writes the gradient at x into grad and returns f(x). */
export type LossAndGrad = (x: Float64Array, grad: Float64Array) => number;

export interface LbfgsOptions {
  maxIter: number;
  /** stop when max |gradient| <= pgtol (scipy's pgtol, sklearn's tol) */
  pgtol: number;
  /** stop when (f_prev - f) / max(|f_prev|, |f|, 1) <= factr * eps (scipy's default 1e7) */
  factr?: number;
  memory?: number;
  /** at most this many evaluations per line search (scipy's maxls) */
  maxLineSearch?: number;
  maxEval?: number;
  /**
   * Initial inverse Hessian: out = H0 * v. Without it H0 = I on the first step (scaled to a unit
   * step like L-BFGS-B) and (s'y / y'y) I afterwards.
   */
  applyH0?: (v: Float64Array, out: Float64Array) => void;
  onIteration?: (iter: number) => void;
  /** f at the start (iter 0) and after every iteration; the caller keeps what it needs */
  trace?: (iter: number, f: number) => void;
}

export interface LbfgsResult {
  x: Float64Array;
  f: number;
  iterations: number;
  evaluations: number;
  reason: 'gradient' | 'relative-reduction' | 'max-iterations' | 'max-evaluations' | 'line-search';
}

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
 * Unconstrained L-BFGS that follows scipy's L-BFGS-B (v3.0) step for step, as sklearn calls it:
 * the same first step (1 / ||g||), Moré-Thuente line search (ftol 1e-3, gtol 0.9, xtol 0.1,
 * at most 20 evaluations, then a restart with an empty memory), the same curvature skip rule
 * (s'y <= eps * -g's) and the same stopping tests in the same order (maxiter, pgtol, factr).
 * The search direction comes from the two-loop recursion, which without bounds equals the
 * compact form L-BFGS-B uses. All buffers are allocated once.
 */
export function minimizeLbfgs(fg: LossAndGrad, x0: Float64Array, opts: LbfgsOptions): LbfgsResult {
  return runSteps(lbfgsSteps(fg, x0, opts));
}

/** minimizeLbfgs as steps: yields after every iteration. */
export function* lbfgsSteps(fg: LossAndGrad, x0: Float64Array, opts: LbfgsOptions): Steps<LbfgsResult> {
  const size = x0.length;
  const m = opts.memory ?? 10;
  const factr = opts.factr ?? 1e7;
  const maxLs = opts.maxLineSearch ?? 20;
  const maxEval = opts.maxEval ?? 15000;
  const tol = factr * Number.EPSILON;
  const sHist = Array.from({ length: m }, () => new Float64Array(size));
  const yHist = Array.from({ length: m }, () => new Float64Array(size));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let head = 0; // index of the oldest pair
  let count = 0;

  const x = Float64Array.from(x0);
  const g = new Float64Array(size);
  const xOld = new Float64Array(size);
  const gOld = new Float64Array(size);
  const dir = new Float64Array(size);
  const q = new Float64Array(size);
  let f = fg(x, g);
  let evaluations = 1;
  let iterations = 0;
  const ls = new MoreThuente({ ftol: 1e-3, gtol: 0.9, xtol: 0.1, stpmin: 0, stpmax: 1e10 });
  const done = (reason: LbfgsResult['reason']): LbfgsResult => ({ x, f, iterations, evaluations, reason });

  opts.trace?.(0, f);
  if (maxAbs(g) <= opts.pgtol) return done('gradient');
  for (;;) {
    // direction: -H g by the two-loop recursion
    if (count === 0) {
      if (opts.applyH0) opts.applyH0(g, dir);
      else dir.set(g);
    } else {
      q.set(g);
      for (let h = count - 1; h >= 0; h--) {
        const slot = (head + h) % m;
        const a = rho[slot] * dot(sHist[slot], q);
        alpha[slot] = a;
        const yv = yHist[slot];
        for (let i = 0; i < size; i++) q[i] -= a * yv[i];
      }
      if (opts.applyH0) {
        opts.applyH0(q, dir);
      } else {
        const last = (head + count - 1) % m;
        const gamma = 1 / (rho[last] * dot(yHist[last], yHist[last]));
        for (let i = 0; i < size; i++) dir[i] = gamma * q[i];
      }
      for (let h = 0; h < count; h++) {
        const slot = (head + h) % m;
        const b = rho[slot] * dot(yHist[slot], dir);
        const sv = sHist[slot];
        const c = alpha[slot] - b;
        for (let i = 0; i < size; i++) dir[i] += c * sv[i];
      }
    }
    for (let i = 0; i < size; i++) dir[i] = -dir[i];

    // line search along dir from x
    const gdOld = dot(g, dir);
    const fOld = f;
    xOld.set(x);
    gOld.set(g);
    let failed = gdOld >= 0;
    let step = 1;
    if (!failed) {
      const step0 =
        iterations === 0 && count === 0 && !opts.applyH0 ? Math.min(1 / Math.sqrt(dot(dir, dir)), 1e10) : 1;
      let status = ls.start(step0, f, gdOld);
      let nEval = 0;
      while (status === 'evaluate') {
        if (nEval >= maxLs || evaluations >= maxEval) {
          failed = true;
          break;
        }
        step = ls.step;
        for (let i = 0; i < size; i++) x[i] = xOld[i] + step * dir[i];
        f = fg(x, g);
        evaluations++;
        nEval++;
        status = ls.next(f, dot(g, dir));
      }
      // a 'warning' keeps the last evaluated point, like L-BFGS-B
    }
    if (failed) {
      x.set(xOld);
      g.set(gOld);
      f = fOld;
      if (evaluations >= maxEval) return done('max-evaluations');
      if (count === 0) return done('line-search');
      count = 0; // restart from steepest descent with an empty memory
      continue;
    }
    iterations++;
    opts.trace?.(iterations, f);
    opts.onIteration?.(iterations);
    yield;
    if (iterations >= opts.maxIter) return done('max-iterations');
    if (maxAbs(g) <= opts.pgtol) return done('gradient');
    if (fOld - f <= tol * Math.max(Math.abs(fOld), Math.abs(f), 1)) return done('relative-reduction');

    // curvature pair s = x - xOld, y = g - gOld; skipped when s'y <= eps * (-s'gOld)
    const sy = (dot(g, dir) - gdOld) * step;
    if (sy <= Number.EPSILON * -gdOld * step) continue;
    const slot = count < m ? (head + count) % m : head;
    if (count < m) count++;
    else head = (head + 1) % m;
    const sv = sHist[slot];
    const yv = yHist[slot];
    for (let i = 0; i < size; i++) {
      sv[i] = step * dir[i];
      yv[i] = g[i] - gOld[i];
    }
    rho[slot] = 1 / dot(sv, yv);
  }
}
