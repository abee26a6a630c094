import type { ExecutorContext } from '@nx/devkit';
import { trainPipeline } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { progressLine, runStep } from '../shared/run-step';
import type { TrainExecutorOptions } from './schema';

export default async function trainExecutor(options: TrainExecutorOptions, context: ExecutorContext) {
  return runStep('train', context, async () => {
    const project = context.projectName as string;
    const progress = progressLine();
    const r = await trainPipeline({
      root: context.root,
      project,
      projectRoot: projectRootOf(context),
      pipeline: options.pipeline,
      overrides: options.overrides ?? [],
      configDir: options.configDir,
      track: options.track ?? true,
      onProgress: (done, total, modelType) => progress(`${project}: fitting ${modelType}`, done, total),
    });
    console.log(
      `${project}: trained ${r.modelType} on ${r.metrics.n_train} rows, accuracy ${r.metrics.accuracy.toFixed(4)} on ${r.metrics.n_test} held-out rows` +
        (r.runId ? ` (run ${r.runId.slice(0, 8)})` : ''),
    );
  });
}
