// Moré & Thuente's line search (ACM TOMS 20(3), 1994), the one scipy's L-BFGS-B calls with
// ftol 1e-3, gtol 0.9, xtol 0.1. Written as a small state machine: the caller evaluates f and f'
// at `step` whenever `next` returns 'evaluate'.

export type LineSearchStatus = 'evaluate' | 'converged' | 'warning';

const XTRAPL = 1.1;
const XTRAPU = 4;

export class MoreThuente {
  step = 0;
  private readonly ftol: number;
  private readonly gtol: number;
  private readonly xtol: number;
  private readonly stpmin: number;
  private readonly stpmax: number;
  private bracketed = false;
  private stage = 1;
  private finit = 0;
  private ginit = 0;
  private gtest = 0;
  private width = 0;
  private width1 = 0;
  // best step so far (x) and the other end of the interval (y), with f and f' there
  private stx = 0;
  private fx = 0;
  private gx = 0;
  private sty = 0;
  private fy = 0;
  private gy = 0;
  private stmin = 0;
  private stmax = 0;

  constructor(opts: { ftol: number; gtol: number; xtol: number; stpmin: number; stpmax: number }) {
    this.ftol = opts.ftol;
    this.gtol = opts.gtol;
    this.xtol = opts.xtol;
    this.stpmin = opts.stpmin;
    this.stpmax = opts.stpmax;
  }

  /** f0 and g0 (< 0) at step 0; returns 'evaluate' with this.step = step0. */
  start(step0: number, f0: number, g0: number): LineSearchStatus {
    this.bracketed = false;
    this.stage = 1;
    this.finit = f0;
    this.ginit = g0;
    this.gtest = this.ftol * g0;
    this.width = this.stpmax - this.stpmin;
    this.width1 = this.width / 0.5;
    this.stx = 0;
    this.fx = f0;
    this.gx = g0;
    this.sty = 0;
    this.fy = f0;
    this.gy = g0;
    this.stmin = 0;
    this.stmax = step0 + XTRAPU * step0;
    this.step = step0;
    return 'evaluate';
  }

  /** f and f' at this.step; returns what to do next (this.step is then the step to evaluate or keep). */
  next(f: number, g: number): LineSearchStatus {
    const stp = this.step;
    const ftest = this.finit + stp * this.gtest;
    if (this.stage === 1 && f <= ftest && g >= 0) this.stage = 2;

    let warn = false;
    if (this.bracketed && (stp <= this.stmin || stp >= this.stmax)) warn = true;
    if (this.bracketed && this.stmax - this.stmin <= this.xtol * this.stmax) warn = true;
    if (stp === this.stpmax && f <= ftest && g <= this.gtest) warn = true;
    if (stp === this.stpmin && (f > ftest || g >= this.gtest)) warn = true;
    if (f <= ftest && Math.abs(g) <= this.gtol * -this.ginit) return 'converged';
    if (warn) return 'warning';

    if (this.stage === 1 && f <= this.fx && f > ftest) {
      // a lower value without sufficient decrease: step on the modified function psi
      const gt = this.gtest;
      this.fx -= this.stx * gt;
      this.fy -= this.sty * gt;
      this.gx -= gt;
      this.gy -= gt;
      this.takeStep(f - stp * gt, g - gt);
      this.fx += this.stx * gt;
      this.fy += this.sty * gt;
      this.gx += gt;
      this.gy += gt;
    } else {
      this.takeStep(f, g);
    }

    if (this.bracketed) {
      if (Math.abs(this.sty - this.stx) >= 0.66 * this.width1) {
        this.step = this.stx + 0.5 * (this.sty - this.stx);
      }
      this.width1 = this.width;
      this.width = Math.abs(this.sty - this.stx);
      this.stmin = Math.min(this.stx, this.sty);
      this.stmax = Math.max(this.stx, this.sty);
    } else {
      this.stmin = this.step + XTRAPL * (this.step - this.stx);
      this.stmax = this.step + XTRAPU * (this.step - this.stx);
    }
    this.step = Math.min(Math.max(this.step, this.stpmin), this.stpmax);
    if (
      (this.bracketed && (this.step <= this.stmin || this.step >= this.stmax)) ||
      (this.bracketed && this.stmax - this.stmin <= this.xtol * this.stmax)
    ) {
      this.step = this.stx;
    }
    return 'evaluate';
  }

  /** One safeguarded cubic/quadratic/secant step; updates the interval and this.step. */
  private takeStep(fp: number, dp: number): void {
    const { stx, fx, gx: dx, sty, fy, gy: dy } = this;
    const stp = this.step;
    const sgnd = dp * Math.sign(dx);
    let stpf: number;
    if (fp > fx) {
      // higher value: a minimum is bracketed; cubic if closer to stx, else halfway to quadratic
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
      if (stp < stx) gamma = -gamma;
      const r = (gamma - dx + theta) / (gamma - dx + gamma + dp);
      const stpc = stx + r * (stp - stx);
      const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
      stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
      this.bracketed = true;
    } else if (sgnd < 0) {
      // lower value, derivative changed sign: bracketed; the farther of cubic and secant
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
      if (stp > stx) gamma = -gamma;
      const r = (gamma - dp + theta) / (gamma - dp + gamma + dx);
      const stpc = stp + r * (stx - stp);
      const stpq = stp + (dp / (dp - dx)) * (stx - stp);
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      this.bracketed = true;
    } else if (Math.abs(dp) < Math.abs(dx)) {
      // lower value, same sign, |derivative| decreases
      const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
      let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
      if (stp > stx) gamma = -gamma;
      const r = (gamma - dp + theta) / (gamma + (dx - dp) + gamma);
      let stpc: number;
      if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
      else stpc = stp > stx ? this.stmax : this.stmin;
      const stpq = stp + (dp / (dp - dx)) * (stx - stp);
      if (this.bracketed) {
        stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
        stpf =
          stp > stx ? Math.min(stp + 0.66 * (sty - stp), stpf) : Math.max(stp + 0.66 * (sty - stp), stpf);
      } else {
        stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
        stpf = Math.max(this.stmin, Math.min(this.stmax, stpf));
      }
    } else if (this.bracketed) {
      // lower value, same sign, |derivative| does not decrease: cubic towards sty
      const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
      const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
      let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
      if (stp > sty) gamma = -gamma;
      const r = (gamma - dp + theta) / (gamma - dp + gamma + dy);
      stpf = stp + r * (sty - stp);
    } else {
      stpf = stp > stx ? this.stmax : this.stmin;
    }

    if (fp > fx) {
      this.sty = stp;
      this.fy = fp;
      this.gy = dp;
    } else {
      if (sgnd < 0) {
        this.sty = stx;
        this.fy = fx;
        this.gy = dx;
      }
      this.stx = stp;
      this.fx = fp;
      this.gx = dp;
    }
    this.step = stpf;
  }
}
