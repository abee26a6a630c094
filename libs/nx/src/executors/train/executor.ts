import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { composePipeline, loadSplitData } from '../../pipeline/steps';
import { trainAndTrack } from '../../pipeline/tracked-train';
import { progressLine, runStep } from '../../pipeline/report-error';
import { projectRootOf } from '../project-root';
import type { TrainExecutorOptions } from './schema';

export default async function trainExecutor(options: TrainExecutorOptions, context: ExecutorContext) {
  return runStep('train', context, async () => {
    const root = context.root;
    const projectRoot = projectRootOf(context);
    const project = context.projectName as string;
    const { composed } = composePipeline(root, options.pipeline, options.overrides ?? []);
    const data = await loadSplitData(root, composed);
    const modelType = composed.config.model.type;
    const r = await trainAndTrack({
      root,
      composed,
      data,
      outDir: join(root, projectRoot),
      runName: `${project}-${composed.hash.slice(0, 8)}`,
      tags: { pipeline: project, source: 'nx:train' },
      track: options.track ?? true,
      onProgress: progressLine(`${project}: fitting ${modelType}`),
    });
    console.log(
      `${project}: trained ${modelType} on ${r.metrics.n_train} rows, accuracy ${r.metrics.accuracy.toFixed(4)} on ${r.metrics.n_test} held-out rows` +
        (r.runId ? ` (run ${r.runId.slice(0, 8)})` : ''),
    );
  });
}
