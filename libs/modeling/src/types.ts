import type { ModelConfig } from '@cellar/config';

/** The validated `model` section of a composed config (snake_case keys camelCased by @cellar/config). */
export type ModelSpec = ModelConfig;

export type LogregSpec = Extract<ModelSpec, { type: 'logreg' }>;
export type RandomForestSpec = Extract<ModelSpec, { type: 'random_forest' }>;
export type GradientBoostingSpec = Extract<ModelSpec, { type: 'gradient_boosting' }>;

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
