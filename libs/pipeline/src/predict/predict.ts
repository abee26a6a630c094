import { join } from 'node:path';
import { loadCsvTable, writeFileAtomic } from '@cellar/data';
import { predictTable, readModelArtifact } from '@cellar/modeling';
import { composePipeline } from '../shared/compose-pipeline';
import { pipelineOutputs } from '../shared/outputs';

/** id (when the input has an Id column), predicted class, then one probability column per class. */
export function predictionsCsv(
  ids: Float64Array | undefined,
  labels: ArrayLike<number>,
  proba: ArrayLike<ArrayLike<number>>,
  classes: number[],
): string {
  const header = [...(ids ? ['Id'] : []), 'prediction', ...classes.map((c) => `proba_${c}`)];
  const lines = [header.join(',')];
  for (let i = 0; i < labels.length; i++) {
    const p = Array.from(proba[i], (v) => v.toFixed(6));
    lines.push([...(ids ? [String(ids[i])] : []), String(labels[i]), ...p].join(','));
  }
  return lines.join('\n') + '\n';
}

export interface PredictStageOptions {
  root: string;
  projectRoot: string;
  pipeline: string;
  /** CSV to score, relative to the workspace root; default: the config's data.path. */
  input?: string;
  /** Where the predictions CSV goes, relative to the workspace root. */
  output: string;
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
}

export interface PredictStageResult {
  input: string;
  output: string;
  rows: number;
}

/** The predict stage: score a CSV with the project's model.json and write one row per input row. */
export async function predictPipeline(o: PredictStageOptions): Promise<PredictStageResult> {
  const out = pipelineOutputs(o.projectRoot);
  const input = o.input ?? composePipeline(o.root, o.pipeline, [], o.configDir).composed.config.data.path;
  const artifact = readModelArtifact(join(o.root, out.model));
  const table = loadCsvTable(join(o.root, input), { displayPath: input });
  const { labels, proba } = predictTable(artifact, table);
  writeFileAtomic(
    join(o.root, o.output),
    predictionsCsv(table.columns['Id'], labels, proba, artifact.classes),
  );
  return { input, output: o.output, rows: labels.length };
}
