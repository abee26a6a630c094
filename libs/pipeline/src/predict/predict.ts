import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadCsvTable, writeFileAtomic } from '@cellar/data';
import { predictTable, readModelArtifact } from '@cellar/modeling';
import { composePipeline } from '../shared/compose-pipeline';
import { pipelineOutputs } from '../shared/outputs';
import { dataMissingError, PipelineError } from '../shared/pipeline-error';

/** A CSV field: quoted when it holds a comma, a quote or a line break. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/**
 * The pass-through columns (row identifiers such as an id, as written), the predicted class, then one
 * probability column per class.
 */
export function predictionsCsv(
  passThrough: ReadonlyArray<readonly [name: string, values: readonly string[]]>,
  labels: ArrayLike<number>,
  proba: ArrayLike<ArrayLike<number>>,
  classes: number[],
  classNames?: readonly string[],
): string {
  // Text labels are written as their names: the prediction and the proba_<name> headers.
  const shown = classNames ?? classes.map(String);
  const nameOf = new Map(classes.map((c, k) => [c, shown[k]]));
  const header = [
    ...passThrough.map(([name]) => csvField(name)),
    'prediction',
    ...shown.map((c) => csvField(`proba_${c}`)),
  ];
  const lines = [header.join(',')];
  for (let i = 0; i < labels.length; i++) {
    const p = Array.from(proba[i], (v) => v.toFixed(6));
    const label = classNames ? csvField(nameOf.get(labels[i]) ?? String(labels[i])) : String(labels[i]);
    lines.push([...passThrough.map(([, values]) => csvField(values[i])), label, ...p].join(','));
  }
  return lines.join('\n') + '\n';
}

export interface PredictStageOptions {
  root: string;
  projectRoot: string;
  pipeline: string;
  /** CSV to score: absolute, or relative to the workspace root; default: the config's data.path. */
  input?: string;
  /** Where the predictions CSV goes: absolute, or relative to the workspace root. */
  output: string;
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
}

export interface PredictStageResult {
  input: string;
  output: string;
  rows: number;
}

/** Only the tracked dataset can be pulled; any other missing input is just missing. */
function missingInputError(o: PredictStageOptions, input: string, file: string): PipelineError {
  let dataPath: string | undefined;
  try {
    dataPath = composePipeline(o.root, o.pipeline, [], o.configDir).composed.config.data.path;
  } catch {
    // A config that does not compose cannot name the dataset; the file is missing all the same.
  }
  if (dataPath !== undefined && resolve(o.root, dataPath) === file) return dataMissingError(dataPath);
  return new PipelineError('INPUT_MISSING', `${input} does not exist`, { file: input });
}

/**
 * The predict stage: score a CSV with the project's model.json and write one row per input row.
 * Only the model's feature columns must be numeric; other columns may hold anything.
 */
export async function predictPipeline(o: PredictStageOptions): Promise<PredictStageResult> {
  const out = pipelineOutputs(o.projectRoot);
  const { config } = composePipeline(o.root, o.pipeline, [], o.configDir).composed;
  const input = o.input ?? config.data.path;
  // The columns the config keeps out of the features (row ids, in the example `Id`) are copied through.
  const passThrough = config.data.exclude;
  const artifact = readModelArtifact(resolve(o.root, out.model));
  const inputFile = resolve(o.root, input);
  if (!existsSync(inputFile)) throw missingInputError(o, input, inputFile);
  const table = loadCsvTable(inputFile, {
    columns: artifact.featureNames,
    textColumns: passThrough,
    displayPath: input,
  });
  const { labels, proba } = predictTable(artifact, table);
  writeFileAtomic(
    resolve(o.root, o.output),
    predictionsCsv(
      passThrough.filter((c) => table.text[c]).map((c) => [c, table.text[c]] as const),
      labels,
      proba,
      artifact.classes,
      artifact.classNames,
    ),
  );
  return { input, output: o.output, rows: labels.length };
}
