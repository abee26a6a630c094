import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { loadCsvTable, writeFileAtomic } from '@cellar/data';
import { predictTable, readModelArtifact } from '@cellar/modeling';
import { composePipeline } from '../../pipeline/steps';
import { pipelineOutputs } from '../../pipeline/paths';
import { runStep } from '../../pipeline/report-error';
import { projectRootOf } from '../project-root';
import type { PredictExecutorOptions } from './schema';

export default async function predictExecutor(options: PredictExecutorOptions, context: ExecutorContext) {
  return runStep('predict', context, async () => {
    const root = context.root;
    const out = pipelineOutputs(projectRootOf(context));
    const input = options.input ?? composePipeline(root, options.pipeline).composed.config.data.path;
    const artifact = readModelArtifact(join(root, out.model));
    const table = loadCsvTable(join(root, input), { displayPath: input });
    const { labels, proba } = predictTable(artifact, table);
    writeFileAtomic(
      join(root, options.output),
      predictionsCsv(table.columns['Id'], labels, proba, artifact.classes),
    );
    console.log(`${context.projectName}: ${labels.length} predictions for ${input} -> ${options.output}`);
  });
}

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
