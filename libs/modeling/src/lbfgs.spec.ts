import { describe, expect, it } from 'vitest';
import { expNonPositive } from './fast-exp';
import { minimizeLbfgs } from './lbfgs';

describe('expNonPositive', () => {
  it('stays within 3 ulp of Math.exp on [-745, 0] and handles the edges', () => {
    let worst = 0;
    for (let i = 0; i <= 200_000; i++) {
      const v = -745 * (i / 200_000) ** 3;
      const want = Math.exp(v);
      if (want > 1e-300) worst = Math.max(worst, Math.abs(expNonPositive(v) - want) / want);
    }
    expect(worst).toBeLessThan(3 * Number.EPSILON);
    expect([expNonPositive(0), expNonPositive(-0), expNonPositive(-800), expNonPositive(-Infinity)]).toEqual([
      1, 1, 0, 0,
    ]);
    expect(expNonPositive(NaN)).toBeNaN();
  });
});

describe('minimizeLbfgs', () => {
  // Rosenbrock in 4 dimensions: curved valley, minimum 0 at (1, 1, 1, 1)
  const rosen = (x: Float64Array, g: Float64Array): number => {
    let f = 0;
    g.fill(0);
    for (let i = 0; i + 1 < x.length; i++) {
      const a = x[i + 1] - x[i] * x[i];
      const b = 1 - x[i];
      f += 100 * a * a + b * b;
      g[i] += -400 * x[i] * a - 2 * b;
      g[i + 1] += 200 * a;
    }
    return f;
  };

  it('reaches the minimum of a curved valley and stops on the gradient test', () => {
    const r = minimizeLbfgs(rosen, Float64Array.from([-1.2, 1, -1.2, 1]), {
      maxIter: 500,
      pgtol: 1e-8,
      factr: 0,
    });
    expect(r.reason).toBe('gradient');
    for (const v of r.x) expect(v).toBeCloseTo(1, 6);
    expect(r.evaluations).toBeLessThan(2 * r.iterations + 10);
  });

  it('stops at maxIter and on the relative reduction test', () => {
    const start = Float64Array.from([-1.2, 1, -1.2, 1]);
    expect(minimizeLbfgs(rosen, start, { maxIter: 3, pgtol: 0 }).iterations).toBe(3);
    const loose = minimizeLbfgs(rosen, start, { maxIter: 500, pgtol: 0, factr: 1e12 });
    expect(loose.reason).toBe('relative-reduction');
    expect(loose.iterations).toBeLessThan(60);
  });

  it('uses a supplied initial inverse Hessian (exact for a quadratic: one step)', () => {
    // f = 0.5 x'Ax - b'x with A = diag(1, 100)
    const fg = (x: Float64Array, g: Float64Array) => {
      g[0] = x[0] - 1;
      g[1] = 100 * x[1] - 2;
      return 0.5 * (x[0] * x[0] + 100 * x[1] * x[1]) - x[0] - 2 * x[1];
    };
    const r = minimizeLbfgs(fg, new Float64Array(2), {
      maxIter: 50,
      pgtol: 1e-12,
      applyH0: (v, out) => {
        out[0] = v[0];
        out[1] = v[1] / 100;
      },
    });
    expect(r.iterations).toBe(1);
    expect(Array.from(r.x)).toEqual([1, 0.02]);
  });
});
