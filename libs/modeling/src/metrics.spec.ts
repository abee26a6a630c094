import { describe, expect, it } from 'vitest';
import { classificationMetrics } from './metrics';

describe('classificationMetrics', () => {
  // hand-computed; label 3 is never predicted, so its precision hits zero_division=0
  const yTrue = [1, 1, 2, 2, 3];
  const yPred = [1, 2, 2, 2, 1];

  it('matches classification_report(zero_division=0) and confusion_matrix', () => {
    const m = classificationMetrics(yTrue, yPred);
    expect(m.accuracy).toBe(0.6);
    expect(m.confusionMatrix).toEqual({
      labels: [1, 2, 3],
      matrix: [
        [1, 1, 0],
        [0, 2, 0],
        [1, 0, 0],
      ],
    });
    expect(m.report['1']).toEqual({ precision: 0.5, recall: 0.5, f1_score: 0.5, support: 2 });
    expect(m.report['2'].precision).toBeCloseTo(2 / 3, 15);
    expect(m.report['2'].recall).toBe(1);
    expect(m.report['2'].f1_score).toBeCloseTo(0.8, 15);
    expect(m.report['3']).toEqual({ precision: 0, recall: 0, f1_score: 0, support: 1 });
    expect(m.report.macro_avg.precision).toBeCloseTo(7 / 18, 15);
    expect(m.report.macro_avg.recall).toBeCloseTo(0.5, 15);
    expect(m.report.macro_avg.f1_score).toBeCloseTo(1.3 / 3, 15);
    expect(m.report.macro_avg.support).toBe(5);
    expect(m.report.weighted_avg.precision).toBeCloseTo(7 / 15, 15);
    expect(m.report.weighted_avg.recall).toBeCloseTo(0.6, 15);
    expect(m.report.weighted_avg.f1_score).toBeCloseTo(0.52, 15);
  });

  it('reports explicit labels with no support as zeros and averages over them', () => {
    const m = classificationMetrics(yTrue, yPred, [1, 2, 3, 4]);
    expect(m.report['4']).toEqual({ precision: 0, recall: 0, f1_score: 0, support: 0 });
    expect(m.report.macro_avg.recall).toBeCloseTo(1.5 / 4, 15);
    expect(m.confusionMatrix.matrix[3]).toEqual([0, 0, 0, 0]);
  });

  it('counts predictions outside an explicit label list as misses', () => {
    const m = classificationMetrics([1, 1, 2], [1, 9, 2], [1, 2]);
    expect(m.report['1']).toEqual({ precision: 1, recall: 0.5, f1_score: 2 / 3, support: 2 });
    expect(m.confusionMatrix.matrix).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(m.accuracy).toBeCloseTo(2 / 3, 15);
  });

  it('keys the report by class name when names are given, with the same numbers', () => {
    const yTrue = [0, 0, 1, 2, 2, 2];
    const yPred = [0, 1, 1, 2, 2, 0];
    const plain = classificationMetrics(yTrue, yPred);
    const named = classificationMetrics(yTrue, yPred, [0, 1, 2], ['cat', 'dog', 'emu']);
    expect(named.accuracy).toBe(plain.accuracy);
    expect(named.report.cat).toEqual(plain.report['0']);
    expect(named.report.emu).toEqual(plain.report['2']);
    expect(named.report['0']).toBeUndefined();
    expect(named.report.macro_avg).toEqual(plain.report.macro_avg);
    expect(named.confusionMatrix).toEqual({ ...plain.confusionMatrix, names: ['cat', 'dog', 'emu'] });
    expect(plain.confusionMatrix.names).toBeUndefined();
    expect(() => classificationMetrics(yTrue, yPred, [0, 1, 2], ['a', 'a', 'b'])).toThrow(
      "class name 'a' is repeated",
    );
    expect(() => classificationMetrics(yTrue, yPred, [0, 1, 2], ['a', 'macro_avg', 'b'])).toThrow(
      "class name 'macro_avg' is reserved",
    );
    expect(() => classificationMetrics(yTrue, yPred, undefined, ['a', 'b', 'c'])).toThrow(
      'classNames (3) must name each of the labels (none given)',
    );
  });
});
