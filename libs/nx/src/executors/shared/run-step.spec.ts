import { describe, expect, it } from 'vitest';
import { elapsedAndEta, formatStepError, progressLine } from './run-step';

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return { written, out: { isTTY, write: (s: string) => (written.push(s), true) } };
}

describe('progressLine', () => {
  it('shows done/total, elapsed and an ETA from the steps after the first (which pays the warm-up)', () => {
    let t = 1000;
    const { written, out } = fakeStream(true);
    const progress = progressLine(out, () => t);
    t += 900; // the first tree: JIT warm-up
    progress('wine-forest: fitting random_forest', 1, 100);
    t += 300; // 3 more trees, 100 ms each
    progress('wine-forest: fitting random_forest', 4, 100);
    expect(written).toEqual([
      '\rwine-forest: fitting random_forest 1/100, elapsed 0.9s',
      '\rwine-forest: fitting random_forest 4/100, elapsed 1.2s, ETA 9.6s',
    ]);
  });

  it('prints once per quarter when not on a terminal (what Nx captures)', () => {
    let t = 0;
    const { written, out } = fakeStream(false);
    const progress = progressLine(out, () => t);
    for (let done = 1; done <= 100; done++) {
      t += 100;
      progress('fit', done, 100);
    }
    expect(written.map((line) => line.split(',')[0])).toEqual([
      'fit 1/100',
      'fit 25/100',
      'fit 50/100',
      'fit 75/100',
      'fit 100/100',
    ]);
    expect(written[4]).toBe('fit 100/100, elapsed 10.0s, ETA 0.0s\n');
  });

  it('redraws one line in place on a terminal and ends it at the last step', () => {
    let t = 0;
    const { written, out } = fakeStream(true);
    const progress = progressLine(out, () => t);
    for (let done = 1; done <= 3; done++) {
      t += 500;
      progress('fit', done, 3);
    }
    expect(written).toEqual([
      '\rfit 1/3, elapsed 0.5s',
      '\rfit 2/3, elapsed 1.0s, ETA 0.5s',
      '\rfit 3/3, elapsed 1.5s, ETA 0.0s\n',
    ]);
  });
});

describe('elapsedAndEta', () => {
  it('has no ETA before the first step is done', () => {
    expect(elapsedAndEta(0, 10, 1234)).toBe('elapsed 1.2s');
  });
});

describe('formatStepError', () => {
  it('is one line for a known error and hints at --verbose for an unknown one', () => {
    const known = Object.assign(new Error('bad key\nmore'), { code: 'CONFIG' });
    expect(formatStepError('train', 'wine', known, false)).toBe('wine:train failed: bad key');
    expect(formatStepError('train', 'wine', new Error('boom'), false)).toBe(
      'wine:train failed: boom (run with --verbose for the stack trace)',
    );
    expect(formatStepError('train', undefined, new Error('boom'), true)).toMatch(
      /^train failed: boom\nError: boom/,
    );
  });
});
