import { describe, expect, it } from 'vitest';
import { applyScaler, fitScaler } from './scaler';

describe('fitScaler / applyScaler', () => {
  it('uses the population std and maps constant columns with scale 1', () => {
    const s = fitScaler([Float64Array.from([1, 2, 3, 4]), Float64Array.from([5, 5, 5, 5])]);
    expect(s.mean).toEqual([2.5, 5]);
    expect(s.scale[0]).toBeCloseTo(Math.sqrt(1.25), 15);
    expect(s.scale[1]).toBe(1);
    const [a, b] = applyScaler(s, [Float64Array.from([2.5, 4]), Float64Array.from([5, 7])]);
    expect(Array.from(a)).toEqual([0, 1.5 / Math.sqrt(1.25)]);
    expect(Array.from(b)).toEqual([0, 2]);
  });
});
