import fs from 'node:fs';
import { canonicalJson } from '@cellar/config';
import { writeFileAtomic } from '@cellar/data';
import { ModelError } from './errors';
import type { BoostingEstimator } from './gradient-boosting';
import { labelsFromProba, predictProba, validateModelSpec, type Estimator, type FittedModel } from './model';
import type { TreeArrays } from './tree';
import { packTree, shouldPackTrees, unpackTree, type PackedTree } from './tree-codec';
import type { ModelSpec } from './types';

export interface TreeJson {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  /** nNodes * width values; only leaf rows are meaningful */
  value: number[];
  width: number;
}

export type EstimatorJson =
  | { type: 'logreg'; coef: number[][]; intercept: number[] }
  | { type: 'random_forest'; trees: (TreeJson | PackedTree)[] }
  | { type: 'gradient_boosting'; learningRate: number; init: number[]; stages: TreeJson[][] };

export interface ModelArtifact {
  formatVersion: 1;
  kind: 'cellar-model';
  featureNames: string[];
  classes: number[];
  /**
   * Names of `classes`, in the same order, when the labels were text (classes are then 0..k-1) or
   * the data config names numeric labels. Absent otherwise, so numeric models keep their bytes.
   */
  classNames?: string[];
  spec: ModelSpec;
  scaler: { mean: number[]; scale: number[] };
  estimator: unknown;
  configHash: string;
  dataMd5: string;
}

export type FeatureTable =
  { columns: Record<string, Float64Array> } | { featureNames: string[]; columns: Float64Array[] };

export interface TablePrediction {
  labels: Float64Array;
  /**
   * Row-major, unlike predictProba: proba[i][k] is the probability of classes[k] for row i,
   * because callers write predictions out row by row.
   */
  proba: Float64Array[];
  classes: number[];
}

function treeToJson(t: TreeArrays): TreeJson {
  return {
    feature: Array.from(t.feature),
    threshold: Array.from(t.threshold),
    left: Array.from(t.left),
    right: Array.from(t.right),
    value: Array.from(t.value),
    width: t.width,
  };
}

function estimatorToJson(e: Estimator): EstimatorJson {
  switch (e.type) {
    case 'logreg':
      return { type: 'logreg', coef: e.coef.map((r) => Array.from(r)), intercept: Array.from(e.intercept) };
    case 'random_forest':
      return {
        type: 'random_forest',
        trees: shouldPackTrees(e.trees) ? e.trees.map(packTree) : e.trees.map(treeToJson),
      };
    case 'gradient_boosting':
      return {
        type: 'gradient_boosting',
        learningRate: e.learningRate,
        init: Array.from(e.init),
        stages: e.stages.map((s) => s.map(treeToJson)),
      };
  }
}

export function toArtifact(
  model: FittedModel,
  meta: { configHash: string; dataMd5: string; classNames?: readonly string[] },
): ModelArtifact {
  return {
    formatVersion: 1,
    kind: 'cellar-model',
    featureNames: [...model.featureNames],
    classes: [...model.classes],
    ...(meta.classNames ? { classNames: [...meta.classNames] } : {}),
    spec: model.spec,
    scaler: { mean: [...model.scaler.mean], scale: [...model.scaler.scale] },
    estimator: estimatorToJson(model.estimator),
    configHash: meta.configHash,
    dataMd5: meta.dataMd5,
  };
}

class Shape {
  constructor(private readonly where: string) {}

  fail(key: string, what: string): never {
    throw new ModelError(
      'ARTIFACT_MALFORMED',
      `${this.where}: ${key} ${what}; re-create the artifact with the train target`,
      {
        key,
      },
    );
  }

  object(v: unknown, key: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(key, 'must be an object');
    return v as Record<string, unknown>;
  }

  /** JSON.parse reads 1e999 as Infinity, so every number is checked, not only its type. */
  numbers(v: unknown, key: string, length?: number): number[] {
    // packed trees unpack to typed arrays (tree-codec.ts): numbers by construction
    const typed = v instanceof Float64Array || v instanceof Int32Array;
    if (!typed && (!Array.isArray(v) || v.some((x) => typeof x !== 'number')))
      this.fail(key, 'must be an array of numbers');
    if (length !== undefined && v.length !== length)
      this.fail(key, `must have ${length} entries (got ${v.length})`);
    // A large forest has millions of numbers: the key of an entry is built only when it fails.
    if (!(v instanceof Int32Array)) {
      const xs = v as ArrayLike<number>;
      for (let i = 0; i < xs.length; i++) if (!Number.isFinite(xs[i])) this.finite(xs[i], `${key}[${i}]`);
    }
    return v as number[];
  }

  positives(v: unknown, key: string, length?: number): number[] {
    const xs = this.numbers(v, key, length);
    for (let i = 0; i < xs.length; i++)
      if (!(xs[i] > 0)) this.fail(`${key}[${i}]`, `must be > 0 (got ${xs[i]})`);
    return xs;
  }

  number(v: unknown, key: string): number {
    if (typeof v !== 'number') this.fail(key, 'must be a number');
    return this.finite(v, key);
  }

  positive(v: unknown, key: string): number {
    const x = this.number(v, key);
    if (!(x > 0)) this.fail(key, `must be > 0 (got ${x})`);
    return x;
  }

  private finite(x: number, key: string): number {
    if (!Number.isFinite(x)) this.fail(key, `is not a finite number (got ${x})`);
    return x;
  }

  tree(v: unknown, key: string, width: number, nFeatures: number): TreeArrays {
    const o = this.object(unpackTree(v), key);
    const feature = this.numbers(o.feature, `${key}.feature`);
    const m = feature.length;
    if (m === 0) this.fail(`${key}.feature`, 'must not be empty');
    const threshold = this.numbers(o.threshold, `${key}.threshold`, m);
    const left = this.numbers(o.left, `${key}.left`, m);
    const right = this.numbers(o.right, `${key}.right`, m);
    if (o.width !== width) this.fail(`${key}.width`, `must be ${width}`);
    const value = this.numbers(o.value, `${key}.value`, m * width);
    for (let i = 0; i < m; i++) {
      const l = left[i];
      const r = right[i];
      const ok =
        l === -1
          ? r === -1
          : Number.isInteger(l) &&
            Number.isInteger(r) &&
            l > i &&
            l < m &&
            r > i &&
            r < m &&
            feature[i] >= 0 &&
            feature[i] < nFeatures;
      if (!ok) this.fail(`${key}`, `node ${i} has invalid children or feature`);
    }
    // Packed trees unpack to fresh typed arrays of their own: used as they are, not copied.
    const ints = (a: ArrayLike<number>) => (a instanceof Int32Array ? a : Int32Array.from(a));
    const floats = (a: ArrayLike<number>) => (a instanceof Float64Array ? a : Float64Array.from(a));
    return {
      feature: ints(feature),
      threshold: floats(threshold),
      left: ints(left),
      right: ints(right),
      value: floats(value),
      width,
    };
  }
}

/** Rebuilds a FittedModel, checking the estimator's shape (ModelError ARTIFACT_MALFORMED). */
export function fromArtifact(a: ModelArtifact, where = 'model artifact'): FittedModel {
  const s = new Shape(where);
  const featureNames = a.featureNames;
  if (!Array.isArray(featureNames) || featureNames.some((f) => typeof f !== 'string')) {
    s.fail('featureNames', 'must be an array of strings');
  }
  const d = featureNames.length;
  const classes = s.numbers(a.classes, 'classes');
  const k = classes.length;
  if (k < 2) s.fail('classes', 'must list at least 2 labels');
  if (a.classNames !== undefined) {
    const names = a.classNames as unknown;
    if (!Array.isArray(names) || names.some((x) => typeof x !== 'string'))
      s.fail('classNames', 'must be an array of strings');
    const n = (names as string[]).length;
    if (n !== k) s.fail('classNames', `must have ${k} entries, one per class (got ${n})`);
  }
  const scalerObj = s.object(a.scaler, 'scaler');
  const mean = s.numbers(scalerObj.mean, 'scaler.mean', d);
  const scale = s.positives(scalerObj.scale, 'scaler.scale', d);
  const spec = s.object(a.spec, 'spec') as unknown as ModelSpec;
  try {
    validateModelSpec(spec);
  } catch (err) {
    s.fail('spec', `is invalid (${(err as Error).message})`);
  }
  const e = s.object(a.estimator, 'estimator');
  if (e.type !== spec.type) s.fail('estimator.type', `must equal spec.type '${spec.type}'`);
  const nOut = k === 2 ? 1 : k;
  let estimator: Estimator;
  switch (spec.type) {
    case 'logreg': {
      if (!Array.isArray(e.coef) || e.coef.length !== nOut)
        s.fail('estimator.coef', `must have ${nOut} rows`);
      const coef = (e.coef as unknown[]).map((r, i) =>
        Float64Array.from(s.numbers(r, `estimator.coef[${i}]`, d)),
      );
      const intercept = Float64Array.from(s.numbers(e.intercept, 'estimator.intercept', nOut));
      estimator = { type: 'logreg', coef, intercept };
      break;
    }
    case 'random_forest': {
      if (!Array.isArray(e.trees) || e.trees.length === 0)
        s.fail('estimator.trees', 'must be a non-empty array');
      const trees = (e.trees as unknown[]).map((t, i) => s.tree(t, `estimator.trees[${i}]`, k, d));
      estimator = { type: 'random_forest', trees };
      break;
    }
    case 'gradient_boosting': {
      if (!Array.isArray(e.stages) || e.stages.length === 0)
        s.fail('estimator.stages', 'must be a non-empty array');
      const stages = (e.stages as unknown[]).map((st, i) => {
        if (!Array.isArray(st) || st.length !== nOut)
          s.fail(`estimator.stages[${i}]`, `must hold ${nOut} trees`);
        return (st as unknown[]).map((t, j) => s.tree(t, `estimator.stages[${i}][${j}]`, 1, d));
      });
      const boosting: BoostingEstimator = {
        learningRate: s.positive(e.learningRate, 'estimator.learningRate'),
        init: Float64Array.from(s.numbers(e.init, 'estimator.init', nOut)),
        stages,
      };
      estimator = { type: 'gradient_boosting', ...boosting };
      break;
    }
  }
  return { spec, featureNames: [...featureNames], classes: [...classes], scaler: { mean, scale }, estimator };
}

/** Deterministic JSON: keys sorted at every level, no timestamps, one trailing newline. */
export function serializeArtifact(a: ModelArtifact): string {
  return canonicalJson(a) + '\n';
}

/** Atomic: written to a temporary sibling, then renamed into place. */
export function writeModelArtifact(file: string, a: ModelArtifact): void {
  writeFileAtomic(file, serializeArtifact(a));
}

export function readModelArtifact(file: string): ModelArtifact {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ModelError(
      'ARTIFACT_NOT_FOUND',
      `${file}: model artifact not found; run the train target first`,
      { file },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new ModelError(
      'ARTIFACT_NOT_JSON',
      `${file}: not valid JSON (${(err as Error).message}); re-create it with the train target`,
      {
        file,
      },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelError(
      'ARTIFACT_MALFORMED',
      `${file}: expected a JSON object; re-create it with the train target`,
      { file },
    );
  }
  const o = parsed as Record<string, unknown>;
  if (o.kind !== 'cellar-model') {
    throw new ModelError(
      'ARTIFACT_KIND',
      `${file}: kind must be 'cellar-model' (got ${JSON.stringify(o.kind)}); is this a model artifact?`,
      {
        file,
        key: 'kind',
      },
    );
  }
  if (o.formatVersion !== 1) {
    throw new ModelError(
      'ARTIFACT_VERSION',
      `${file}: formatVersion ${JSON.stringify(o.formatVersion)} is not supported (this Cellar reads 1); re-train or upgrade Cellar`,
      { file, key: 'formatVersion' },
    );
  }
  for (const key of ['configHash', 'dataMd5'] as const) {
    if (typeof o[key] !== 'string') {
      throw new ModelError(
        'ARTIFACT_MALFORMED',
        `${file}: ${key} must be a string; re-create it with the train target`,
        { file, key },
      );
    }
  }
  const artifact = parsed as ModelArtifact;
  try {
    fromArtifact(artifact, file);
  } catch (err) {
    if (err instanceof ModelError) Object.assign(err, { file });
    throw err;
  }
  return artifact;
}

/** The name shown for each of `classes`: the artifact's classNames, else the label itself ("5"). */
export function classLabelNames(a: Pick<ModelArtifact, 'classes' | 'classNames'>): string[] {
  return a.classNames ? [...a.classNames] : a.classes.map(String);
}

/** Picks the artifact's feature columns by name (any order, extra columns ignored), then predicts. */
export function predictTable(a: ModelArtifact, table: FeatureTable): TablePrediction {
  const byName = new Map<string, Float64Array>();
  if (Array.isArray(table.columns)) {
    const names = (table as { featureNames: string[] }).featureNames;
    names.forEach((name, j) => byName.set(name, (table.columns as Float64Array[])[j]));
  } else {
    for (const [name, col] of Object.entries(table.columns)) byName.set(name, col);
  }
  const columns = a.featureNames.map((name) => {
    const col = byName.get(name);
    if (!col) {
      throw new ModelError(
        'MISSING_FEATURE',
        `feature column '${name}' is missing from the input table (it has: ${[...byName.keys()].join(', ')}); the model was trained on it`,
        { column: name },
      );
    }
    return col;
  });
  const model = fromArtifact(a);
  const byClass = predictProba(model, columns);
  const n = columns.length > 0 ? columns[0].length : 0;
  const proba = Array.from({ length: n }, (_, i) => Float64Array.from(byClass, (col) => col[i]));
  return { labels: labelsFromProba(model.classes, byClass), proba, classes: model.classes };
}
