import { flattenConfig, type ComposedConfig } from '@cellar/config';
import {
  classificationMetrics,
  fitModelAsync,
  predict,
  serializeArtifact,
  toArtifact,
  type ClassificationMetrics,
  type FitOptions,
  type MetricHistory,
  type ModelArtifact,
} from '@cellar/modeling';
import { jsonFileText } from '../shared/report-files';
import { classNamesFor, type SplitData } from '../shared/split-data';

/** What metrics.json holds: the headline numbers, deterministic (no timestamps). */
export interface TrainMetrics {
  model_type: string;
  accuracy: number;
  f1_macro: number;
  f1_weighted: number;
  n_train: number;
  n_test: number;
}

export interface TrainResult {
  artifact: ModelArtifact;
  metrics: TrainMetrics;
  classification: ClassificationMetrics;
  modelJson: string;
  metricsJson: string;
  /** The fit's metric history (validation_accuracy scores the test split); model.json does not hold it. */
  history: MetricHistory[];
}

/**
 * Fit on the train split, score on the test split; the texts of model.json and metrics.json. The
 * fit gives the event loop a turn every ~50 ms, so a Ctrl-C is handled during a long fit.
 */
export async function fitAndScore(
  composed: ComposedConfig,
  data: SplitData,
  opts: FitOptions = {},
): Promise<TrainResult> {
  const model = await fitModelAsync(
    composed.config.model,
    { featureNames: data.train.featureNames, columns: data.train.columns, y: data.train.target },
    { ...opts, history: true, validation: { columns: data.test.columns, y: data.test.target } },
  );
  const yPred = predict(model, data.test.columns);
  const classNames = classNamesFor(model.classes, data.train, composed.config.data);
  const m = classificationMetrics(data.test.target, yPred, classNames && model.classes, classNames);
  const artifact = toArtifact(model, { configHash: composed.hash, dataMd5: data.dataMd5, classNames });
  const metrics: TrainMetrics = {
    model_type: composed.config.model.type,
    accuracy: m.accuracy,
    f1_macro: m.report.macro_avg.f1_score,
    f1_weighted: m.report.weighted_avg.f1_score,
    n_train: data.train.nRows,
    n_test: data.test.nRows,
  };
  return {
    artifact,
    metrics,
    classification: m,
    modelJson: serializeArtifact(artifact),
    metricsJson: jsonFileText(metrics),
    history: model.history ?? [],
  };
}

/** The flattened config a run logs as params; where notifications go is not a param of the model. */
export function paramsOf(composed: ComposedConfig): Record<string, string> {
  const flat = flattenConfig(composed.resolved);
  return Object.fromEntries(Object.entries(flat).filter(([k]) => !k.startsWith('notify.')));
}
