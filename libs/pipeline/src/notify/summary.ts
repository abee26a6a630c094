import type { EvaluationReport } from '../evaluate/evaluate';

export interface PipelineSummary {
  pipeline: string;
  model_type: string;
  accuracy: number;
  f1_macro: number;
  f1_per_class: Record<string, number>;
  n_test: number;
  files: { model: string; report: string; confusion_matrix: string };
}

export function summarize(
  pipeline: string,
  report: EvaluationReport,
  files: PipelineSummary['files'],
): PipelineSummary {
  const perClass: Record<string, number> = {};
  // Text labels: the report is keyed by class name.
  const keys = report.confusion_matrix.names ?? report.confusion_matrix.labels.map(String);
  for (const key of keys) {
    const row = report.classification_report[key] as { f1_score: number } | undefined;
    if (row) perClass[key] = row.f1_score;
  }
  return {
    pipeline,
    model_type: report.model_type,
    accuracy: report.accuracy,
    f1_macro: (report.classification_report.macro_avg as { f1_score: number }).f1_score,
    f1_per_class: perClass,
    n_test: report.n_test,
    files,
  };
}

export function formatSummary(s: PipelineSummary): string {
  const f1 = Object.entries(s.f1_per_class)
    .map(([label, v]) => `${label}: ${v.toFixed(2)}`)
    .join('  ');
  return [
    `■ ${s.pipeline} (${s.model_type})  accuracy ${s.accuracy.toFixed(4)}  macro F1 ${s.f1_macro.toFixed(4)}  on ${s.n_test} held-out rows`,
    `  F1 per class  ${f1}`,
    `  model         ${s.files.model}`,
    `  report        ${s.files.report}`,
    `  confusion     ${s.files.confusion_matrix}`,
  ].join('\n');
}
