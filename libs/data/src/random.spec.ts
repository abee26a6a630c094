import { describe, expect, it } from 'vitest';
import { createRng } from './random';

describe('createRng', () => {
  it('is mulberry32: fixed first values for a seed', () => {
    const rng = createRng(42);
    expect([rng.next(), rng.next(), rng.next()].map((v) => v.toFixed(10))).toEqual([
      '0.6011037519',
      '0.4482905590',
      '0.8524657935',
    ]);
  });

  it('nextInt(n) is floor(next() * n), so both streams stay in step', () => {
    const a = createRng(7);
    const b = createRng(7);
    expect(Array.from({ length: 5 }, () => a.nextInt(10))).toEqual(
      Array.from({ length: 5 }, () => Math.floor(b.next() * 10)),
    );
  });
});
