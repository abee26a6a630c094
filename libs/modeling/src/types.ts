// Model specs come from @cellar/config's model registry: one zod schema per model type, the
// same one that validated the YAML.
import type { ForestTreeCache } from './forest-cache';

export type { GradientBoostingSpec, LogregSpec, ModelSpec, RandomForestSpec } from '@cellar/config';

export interface TrainingData {
  featureNames: string[];
  /** one array per feature (column-major), all of the same length */
  columns: Float64Array[];
  /** raw labels, e.g. quality 3..8 */
  y: ArrayLike<number>;
}

export interface FitOptions {
  /** logreg: iterations done / maxIter; forest: trees built; boosting: stages built */
  onProgress?: (done: number, total: number) => void;
  /** Record the fit's metric history (FittedModel.history); the fitted model is the same either way. */
  history?: boolean;
  /** Scored after every stage / tree (boosting, forest) into `validation_accuracy` when history is on. */
  validation?: { columns: Float64Array[]; y: ArrayLike<number> };
  /** fitModelAsync stops at the next step once aborted, with a ModelError FIT_INTERRUPTED. */
  signal?: AbortSignal;
  /**
   * random_forest: trees kept from earlier fits in this process that differ only in n_estimators,
   * reused instead of built again (the forest is the same; see ForestTreeCache). Kept across fits
   * by whoever passes it (a sweep lane).
   */
  forestTrees?: ForestTreeCache;
}

/**
 * One metric over the fit, values[i] at steps[i]:
 * - logreg `train_loss`: the L-BFGS objective (summed log loss + ||W||^2 / (2C)), step = iteration (0 = start)
 * - gradient_boosting `boosting_deviance`: mean log loss of the (in-bag) training rows after each stage,
 *   sklearn's train_score_ (sklearn 1.2's binary deviance is twice this), step = stages
 * - random_forest `oob_accuracy`: accuracy of the out-of-bag votes so far, over the rows that have
 *   at least one, step = trees
 * - boosting and forest `validation_accuracy`: accuracy on FitOptions.validation, step = stages / trees
 */
export interface MetricHistory {
  name: string;
  steps: Int32Array;
  values: Float64Array;
}
