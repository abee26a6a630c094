import { canonicalJson } from '@cellar/config';
import { renderConfusionMatrixSvg, type ClassificationMetrics } from '@cellar/modeling';

/** metrics.json and the reports: sorted keys, two-space indent, trailing newline, no timestamps. */
export function jsonFileText(value: unknown): string {
  return canonicalJson(value, 2) + '\n';
}

export function confusionSvg(modelType: string, m: ClassificationMetrics): string {
  return renderConfusionMatrixSvg(m.confusionMatrix, {
    title: `${modelType} — accuracy ${m.accuracy.toFixed(3)}`,
  });
}
