export interface ClassScores {
  precision: number;
  recall: number;
  f1_score: number;
  support: number;
}

export type ClassificationReport = Record<string, ClassScores> & {
  macro_avg: ClassScores;
  weighted_avg: ClassScores;
};

export interface ConfusionMatrix {
  labels: number[];
  /** Names of `labels` (text class labels), when the model has them. */
  names?: string[];
  /** rows = true label, columns = predicted label */
  matrix: number[][];
}

export interface ClassificationMetrics {
  accuracy: number;
  report: ClassificationReport;
  confusionMatrix: ConfusionMatrix;
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/**
 * scikit-learn's accuracy_score, classification_report(output_dict=True, zero_division=0) and
 * confusion_matrix. Report keys are labels as strings ("5"), or their names when `classNames` (one
 * per entry of `labels`) are given, plus macro_avg and weighted_avg.
 */
export function classificationMetrics(
  yTrue: ArrayLike<number>,
  yPred: ArrayLike<number>,
  labels?: number[],
  classNames?: readonly string[],
): ClassificationMetrics {
  if (classNames) {
    if (!labels || classNames.length !== labels.length)
      throw new RangeError(
        `classificationMetrics: classNames (${classNames.length}) must name each of the labels (${labels?.length ?? 'none given'})`,
      );
    const seen = new Set<string>();
    for (const name of classNames) {
      if (seen.has(name) || name === 'macro_avg' || name === 'weighted_avg')
        throw new RangeError(
          `classificationMetrics: class name '${name}' is ${seen.has(name) ? 'repeated' : 'reserved'} (the report is keyed by class name)`,
        );
      seen.add(name);
    }
  }
  if (yTrue.length !== yPred.length) {
    throw new RangeError(
      `classificationMetrics: yTrue has ${yTrue.length} entries but yPred has ${yPred.length}`,
    );
  }
  const n = yTrue.length;
  const used =
    labels ?? Array.from(new Set([...Array.from(yTrue), ...Array.from(yPred)])).sort((a, b) => a - b);
  const index = new Map(used.map((l, i) => [l, i]));
  const matrix = used.map(() => used.map(() => 0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    if (yTrue[i] === yPred[i]) correct++;
    const t = index.get(yTrue[i]);
    const p = index.get(yPred[i]);
    if (t !== undefined && p !== undefined) matrix[t][p]++;
  }
  const report: Record<string, ClassScores> = {};
  let totalSupport = 0;
  const macro = { precision: 0, recall: 0, f1_score: 0 };
  const weighted = { precision: 0, recall: 0, f1_score: 0 };
  used.forEach((label, k) => {
    const tp = matrix[k][k];
    let predicted = 0;
    let support = 0;
    for (let j = 0; j < used.length; j++) {
      predicted += matrix[j][k];
      support += matrix[k][j];
    }
    // with an explicit label list, rows outside it still count as misses/false alarms
    if (labels) {
      predicted = 0;
      support = 0;
      for (let i = 0; i < n; i++) {
        if (yPred[i] === label) predicted++;
        if (yTrue[i] === label) support++;
      }
    }
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    report[classNames ? classNames[k] : String(label)] = { precision, recall, f1_score: f1, support };
    totalSupport += support;
    macro.precision += precision;
    macro.recall += recall;
    macro.f1_score += f1;
    weighted.precision += precision * support;
    weighted.recall += recall * support;
    weighted.f1_score += f1 * support;
  });
  const m = used.length;
  return {
    accuracy: ratio(correct, n),
    report: {
      ...report,
      macro_avg: {
        precision: ratio(macro.precision, m),
        recall: ratio(macro.recall, m),
        f1_score: ratio(macro.f1_score, m),
        support: totalSupport,
      },
      weighted_avg: {
        precision: ratio(weighted.precision, totalSupport),
        recall: ratio(weighted.recall, totalSupport),
        f1_score: ratio(weighted.f1_score, totalSupport),
        support: totalSupport,
      },
    } as ClassificationReport,
    confusionMatrix: classNames ? { labels: used, names: [...classNames], matrix } : { labels: used, matrix },
  };
}
