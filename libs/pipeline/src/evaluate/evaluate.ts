import { join } from 'node:path';
import type { ComposedConfig } from '@cellar/config';
import { writeFileAtomic } from '@cellar/data';
import {
  classificationMetrics,
  predictTable,
  readModelArtifact,
  type ClassificationMetrics,
} from '@cellar/modeling';
import { composePipeline } from '../shared/compose-pipeline';
import { pipelineOutputs } from '../shared/outputs';
import { PipelineError } from '../shared/pipeline-error';
import { confusionSvg, jsonFileText } from '../shared/report-files';
import { loadSplitData, type SplitData } from '../shared/split-data';

/** reports/metrics_detailed.json: what notify summarizes. */
export interface EvaluationReport {
  model_type: string;
  config_hash: string;
  data_md5: string;
  n_test: number;
  accuracy: number;
  classification_report: ClassificationMetrics['report'];
  confusion_matrix: ClassificationMetrics['confusionMatrix'];
}

/** Score a model.json on the test split; refuses a model trained with another config or data. */
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
      { file: displayModel },
    );
  }
  if (artifact.dataMd5 !== data.dataMd5) {
    throw new PipelineError(
      'STALE_MODEL',
      `${displayModel} was trained on other data (md5 ${artifact.dataMd5}, current ${data.dataMd5}): run the train target again`,
      { file: displayModel },
    );
  }
  const { labels } = predictTable(artifact, {
    featureNames: data.test.featureNames,
    columns: data.test.columns,
  });
  const names = artifact.classNames;
  const m = classificationMetrics(data.test.target, labels, names && artifact.classes, names);
  const report: EvaluationReport = {
    model_type: composed.config.model.type,
    config_hash: composed.hash,
    data_md5: data.dataMd5,
    n_test: data.test.nRows,
    accuracy: m.accuracy,
    classification_report: m.report,
    confusion_matrix: m.confusionMatrix,
  };
  return { report, reportJson: jsonFileText(report), svg: confusionSvg(composed.config.model.type, m) };
}

export interface EvaluateStageOptions {
  root: string;
  projectRoot: string;
  pipeline: string;
  /** Must be the overrides train used, or the model is refused as stale. */
  overrides?: string[];
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
}

export interface EvaluateStageResult {
  report: EvaluationReport;
  /** Written files, relative to the workspace root. */
  files: { report: string; confusionSvg: string };
}

/** The evaluate stage: score the project's model.json and write the report and the confusion matrix. */
export async function evaluatePipeline(o: EvaluateStageOptions): Promise<EvaluateStageResult> {
  const out = pipelineOutputs(o.projectRoot);
  const { composed } = composePipeline(o.root, o.pipeline, o.overrides ?? [], o.configDir);
  const data = await loadSplitData(o.root, composed);
  const { report, reportJson, svg } = evaluateArtifact(join(o.root, out.model), out.model, composed, data);
  writeFileAtomic(join(o.root, out.report), reportJson);
  writeFileAtomic(join(o.root, out.confusionSvg), svg);
  return { report, files: { report: out.report, confusionSvg: out.confusionSvg } };
}
