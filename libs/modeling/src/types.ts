export type ModelSpec =
  | { type: 'logreg'; C: number; maxIter: number; tol: number }
  | {
      type: 'random_forest';
      nEstimators: number;
      maxDepth: number | null;
      maxFeatures: 'sqrt' | 'log2' | number | null;
      minSamplesSplit: number;
      randomState: number;
    }
  | {
      type: 'gradient_boosting';
      learningRate: number;
      nEstimators: number;
      maxDepth: number;
      subsample: number;
      randomState: number;
    };

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
