// Public surface of @cellar/modeling. Probability outputs are column-major like the inputs:
// proba[k][i] is the probability that row i has label classes[k]. predictTable alone returns
// rows (proba[i][k]) because its callers write prediction rows.
export type { ModelSpec, TrainingData, FitOptions, MetricHistory } from './types';
export type { FittedModel } from './model';
export { fitModel, fitModelAsync, predictProba, predict, validateModelSpec } from './model';
export { ForestTreeCache } from './forest-cache';
export type { Scaler } from './scaler';
export { fitScaler, applyScaler } from './scaler';
export type { ModelArtifact, FeatureTable, TablePrediction } from './artifact';
export {
  toArtifact,
  fromArtifact,
  serializeArtifact,
  writeModelArtifact,
  readModelArtifact,
  predictTable,
  classLabelNames,
} from './artifact';
export type { ClassificationMetrics, ClassificationReport, ClassScores, ConfusionMatrix } from './metrics';
export { classificationMetrics } from './metrics';
export { renderConfusionMatrixSvg } from './confusion-svg';
export type { ModelErrorCode } from './errors';
export { ModelError } from './errors';
