import { join } from 'node:path';
import {
  canonicalJson,
  composeConfig,
  flattenConfig,
  loadPipelineSpec,
  type ComposedConfig,
  type PipelineSpec,
} from '@cellar/config';
import { loadCsvDataset, md5File, readPointer, stratifiedSplit, takeRows, type Dataset } from '@cellar/data';
import {
  classificationMetrics,
  fitModel,
  predict,
  predictTable,
  readModelArtifact,
  renderConfusionMatrixSvg,
  serializeArtifact,
  toArtifact,
  type ClassificationMetrics,
  type FitOptions,
  type ModelArtifact,
} from '@cellar/modeling';

export class PipelineError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = 'PipelineError';
    this.code = code;
  }
}

export interface ComposedPipeline {
  spec: PipelineSpec;
  composed: ComposedConfig;
}

export function composePipeline(
  root: string,
  pipelineFile: string,
  overrides: string[] = [],
): ComposedPipeline {
  const spec = loadPipelineSpec(root, pipelineFile);
  const composed = composeConfig({
    root,
    model: spec.model,
    pipelineOverrides: spec.overrides,
    pipelineFile: spec.file,
    overrides,
  });
  return { spec, composed };
}

export interface SplitData {
  train: Dataset;
  test: Dataset;
  dataMd5: string;
}

/**
 * Load the dataset named by the config and split it. The data file must match its pointer:
 * Nx hashes the pointer, not the git-ignored data, so a drifted file would poison the cache.
 */
export async function loadSplitData(root: string, composed: ComposedConfig): Promise<SplitData> {
  const { data, train } = composed.config;
  const pointer = readPointer(join(root, data.pointer));
  const dataPath = join(root, data.path);
  const actual = await md5File(dataPath).catch(() => null);
  if (actual === null) {
    throw new PipelineError(
      'DATA_MISSING',
      `${data.path} does not exist: run 'npx nx run data:pull' (or 'npx cellar data pull') to fetch it`,
    );
  }
  if (actual !== pointer.md5) {
    throw new PipelineError(
      'DATA_DRIFT',
      `${data.path} does not match ${data.pointer} (md5 ${actual}, pointer says ${pointer.md5}): run 'npx cellar data add ${data.path}' to track the new version, or 'npx nx run data:pull --force' to restore the tracked version`,
    );
  }
  const ds = loadCsvDataset(dataPath, {
    featureColumns: train.featureColumns,
    targetColumn: train.targetColumn,
    excludeColumns: train.excludeColumns,
    displayPath: data.path,
  });
  const split = stratifiedSplit(ds.target, train.testSize, train.randomState);
  return { train: takeRows(ds, split.train), test: takeRows(ds, split.test), dataMd5: actual };
}

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
}

export function fitAndScore(composed: ComposedConfig, data: SplitData, opts: FitOptions = {}): TrainResult {
  const model = fitModel(
    composed.config.model,
    { featureNames: data.train.featureNames, columns: data.train.columns, y: data.train.target },
    opts,
  );
  const yPred = predict(model, data.test.columns);
  const m = classificationMetrics(data.test.target, yPred);
  const artifact = toArtifact(model, { configHash: composed.hash, dataMd5: data.dataMd5 });
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
    metricsJson: canonicalJson(metrics, 2) + '\n',
  };
}

export interface EvaluationReport {
  model_type: string;
  config_hash: string;
  data_md5: string;
  n_test: number;
  accuracy: number;
  classification_report: ClassificationMetrics['report'];
  confusion_matrix: ClassificationMetrics['confusionMatrix'];
}

export function evaluateArtifact(
  modelFile: string,
  displayModel: string,
  composed: ComposedConfig,
  data: SplitData,
): { report: EvaluationReport; reportJson: string; svg: string } {
  const artifact = readModelArtifact(modelFile);
  if (artifact.configHash !== composed.hash) {
    throw new PipelineError(
      'STALE_MODEL',
      `${displayModel} was trained with another config (hash ${artifact.configHash.slice(0, 12)}, current ${composed.hash.slice(0, 12)}): run the train target again`,
    );
  }
  if (artifact.dataMd5 !== data.dataMd5) {
    throw new PipelineError(
      'STALE_MODEL',
      `${displayModel} was trained on other data (md5 ${artifact.dataMd5}, current ${data.dataMd5}): run the train target again`,
    );
  }
  const { labels } = predictTable(artifact, {
    featureNames: data.test.featureNames,
    columns: data.test.columns,
  });
  const m = classificationMetrics(data.test.target, labels);
  const report: EvaluationReport = {
    model_type: composed.config.model.type,
    config_hash: composed.hash,
    data_md5: data.dataMd5,
    n_test: data.test.nRows,
    accuracy: m.accuracy,
    classification_report: m.report,
    confusion_matrix: m.confusionMatrix,
  };
  return {
    report,
    reportJson: canonicalJson(report, 2) + '\n',
    svg: confusionSvg(composed.config.model.type, m),
  };
}

export function confusionSvg(modelType: string, m: ClassificationMetrics): string {
  return renderConfusionMatrixSvg(m.confusionMatrix, {
    title: `${modelType} — accuracy ${m.accuracy.toFixed(3)}`,
  });
}

export function paramsOf(composed: ComposedConfig): Record<string, string> {
  const flat = flattenConfig(composed.resolved);
  // Params describe the model, not where notifications go.
  return Object.fromEntries(Object.entries(flat).filter(([k]) => !k.startsWith('notify.')));
}
