// Model specs come from @cellar/config's model registry: one zod schema per model type, the
// same one that validated the YAML.
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
}
