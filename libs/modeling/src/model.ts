import { checkModelSpec } from '@cellar/config';
import { ModelError } from './errors';
import { boostingSteps, predictBoostingProba, type BoostingEstimator } from './gradient-boosting';
import { logregSteps, predictLogregProba, type LogregEstimator } from './logreg';
import { forestSteps, predictForestProba, type ForestEstimator } from './random-forest';
import { applyScaler, fitScaler, type Scaler } from './scaler';
import { runSteps, runStepsAsync, type Steps } from './steps';
import type { EnsembleHistory } from './fit-history';
import type { FitOptions, MetricHistory, ModelSpec, TrainingData } from './types';

export type Estimator =
  | ({ type: 'logreg' } & LogregEstimator)
  | ({ type: 'random_forest' } & ForestEstimator)
  | ({ type: 'gradient_boosting' } & BoostingEstimator);

/** A scaler + estimator pipeline, like sklearn's Pipeline([StandardScaler(), clf]). */
export interface FittedModel {
  spec: ModelSpec;
  featureNames: string[];
  /** sorted distinct labels; probability arrays follow this order */
  classes: number[];
  scaler: Scaler;
  estimator: Estimator;
  /** Only when fitted with `history: true`; never part of the artifact. */
  history?: MetricHistory[];
}

/** Throws ModelError('INVALID_SPEC') naming the first bad key, checked by the registry's schema. */
export function validateModelSpec(spec: ModelSpec): void {
  const checked = checkModelSpec(spec);
  if (!checked.ok)
    throw new ModelError('INVALID_SPEC', `model spec: ${checked.message}`, { key: checked.key });
}

/** Checks shape and finiteness; row numbers in messages are 1-based data rows. */
export function checkColumns(featureNames: string[], columns: Float64Array[], expectedRows?: number): number {
  if (columns.length !== featureNames.length) {
    throw new ModelError(
      'INVALID_DATA',
      `expected ${featureNames.length} feature columns (${featureNames.join(', ')}) but got ${columns.length}`,
    );
  }
  const n = expectedRows ?? (columns.length > 0 ? columns[0].length : 0);
  columns.forEach((col, j) => {
    if (col.length !== n) {
      throw new ModelError(
        'INVALID_DATA',
        `feature column '${featureNames[j]}' has ${col.length} rows, expected ${n}`,
        {
          column: featureNames[j],
        },
      );
    }
    for (let i = 0; i < col.length; i++) {
      if (!Number.isFinite(col[i])) {
        throw new ModelError(
          'INVALID_DATA',
          `feature column '${featureNames[j]}' row ${i + 1} is not a finite number (got ${col[i]}); clean or impute it before training`,
          { column: featureNames[j] },
        );
      }
    }
  });
  return n;
}

export function fitModel(spec: ModelSpec, data: TrainingData, opts: FitOptions = {}): FittedModel {
  return runSteps(fitSteps(spec, data, opts));
}

/**
 * fitModel that lets the event loop run between the steps of the fit (about every 50 ms), so that a
 * Ctrl-C during a long fit is handled at once (a tracked run then ends KILLED) rather than after it,
 * and that stops at the next step once `opts.signal` is aborted (ModelError FIT_INTERRUPTED).
 */
export function fitModelAsync(
  spec: ModelSpec,
  data: TrainingData,
  opts: FitOptions = {},
): Promise<FittedModel> {
  const signal = opts.signal;
  return runStepsAsync(fitSteps(spec, data, opts), {
    stop: () => signal?.aborted === true,
    interrupted: () => new ModelError('FIT_INTERRUPTED', `${spec.type} fit interrupted`),
  });
}

function* fitSteps(spec: ModelSpec, data: TrainingData, opts: FitOptions): Steps<FittedModel> {
  validateModelSpec(spec);
  const n = data.y.length;
  checkColumns(data.featureNames, data.columns, n);
  if (data.columns.length === 0) throw new ModelError('INVALID_DATA', 'training data has no feature columns');
  const classes = Array.from(new Set(Array.from(data.y))).sort((a, b) => a - b);
  if (classes.some((c) => !Number.isFinite(c))) {
    throw new ModelError('INVALID_DATA', 'target labels must be finite numbers');
  }
  if (classes.length < 2) {
    throw new ModelError(
      'INVALID_DATA',
      `target has ${classes.length} distinct label(s); a classifier needs at least 2`,
    );
  }
  const index = new Map(classes.map((c, k) => [c, k]));
  const yIdx = Int32Array.from(Array.from(data.y), (v) => index.get(v) as number);
  const scaler = fitScaler(data.columns);
  const x = applyScaler(scaler, data.columns);
  const k = classes.length;
  const progress = opts.onProgress;
  const track: EnsembleHistory | undefined = opts.history ? { history: [] } : undefined;
  if (track && opts.validation) {
    const v = opts.validation;
    checkColumns(data.featureNames, v.columns, v.y.length);
    track.validation = {
      columns: applyScaler(scaler, v.columns),
      yIdx: Int32Array.from(Array.from(v.y), (label) => index.get(label) ?? -1),
    };
  }
  let estimator: Estimator;
  switch (spec.type) {
    case 'logreg':
      estimator = {
        type: 'logreg',
        ...(yield* logregSteps(spec, x, yIdx, k, progress, { history: track?.history })),
      };
      break;
    case 'random_forest':
      estimator = {
        type: 'random_forest',
        ...(yield* forestSteps(spec, x, yIdx, k, progress, track, opts.forestTrees)),
      };
      break;
    case 'gradient_boosting':
      estimator = { type: 'gradient_boosting', ...(yield* boostingSteps(spec, x, yIdx, k, progress, track)) };
      break;
  }
  const model: FittedModel = { spec, featureNames: [...data.featureNames], classes, scaler, estimator };
  if (track) model.history = track.history;
  return model;
}

/**
 * Class probabilities, column-major like the inputs: result[k][i] is the probability that row i
 * has label model.classes[k].
 */
export function predictProba(model: FittedModel, columns: Float64Array[]): Float64Array[] {
  checkColumns(model.featureNames, columns);
  const x = applyScaler(model.scaler, columns);
  const k = model.classes.length;
  const est = model.estimator;
  switch (est.type) {
    case 'logreg':
      return predictLogregProba(est, x, k);
    case 'random_forest':
      return predictForestProba(est, x, k);
    case 'gradient_boosting':
      return predictBoostingProba(est, x, k);
  }
}

/** Raw class labels (argmax of predictProba; ties go to the smaller label, like numpy's argmax). */
export function predict(model: FittedModel, columns: Float64Array[]): Float64Array {
  return labelsFromProba(model.classes, predictProba(model, columns));
}

export function labelsFromProba(classes: number[], proba: Float64Array[]): Float64Array {
  const n = proba.length > 0 ? proba[0].length : 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < proba.length; k++) if (proba[k][i] > proba[best][i]) best = k;
    out[i] = classes[best];
  }
  return out;
}
