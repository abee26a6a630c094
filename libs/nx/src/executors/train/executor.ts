import type { ExecutorContext } from '@nx/devkit';
import { restoreTrainedRun, trainPipeline } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { progressLine, runStep } from '../shared/run-step';
import type { TrainExecutorOptions } from './schema';

export default async function trainExecutor(options: TrainExecutorOptions, context: ExecutorContext) {
  return runStep('train', context, async () => {
    const project = context.projectName as string;
    const projectRoot = projectRootOf(context);
    const track = options.track ?? true;
    // Nx passes each task its hash; --skip-nx-cache (NX_SKIP_NX_CACHE) asks for a real fit.
    const taskHash = process.env.NX_TASK_HASH || undefined;
    if (track && taskHash !== undefined && process.env.NX_SKIP_NX_CACHE !== 'true') {
      const restored = restoreTrainedRun({ root: context.root, project, projectRoot, taskHash });
      if (restored !== null) {
        console.log(
          `${project}: restored model.json and metrics.json (accuracy ${restored.metrics.accuracy.toFixed(4)}) from run ${restored.runId.slice(0, 8)}, which trained this same task (Nx task hash ${taskHash}); no fit, no new run`,
        );
        return;
      }
    }
    const progress = progressLine();
    const r = await trainPipeline({
      root: context.root,
      project,
      projectRoot,
      pipeline: options.pipeline,
      overrides: options.overrides ?? [],
      configDir: options.configDir,
      track,
      taskHash,
      onProgress: (done, total, modelType) => progress(`${project}: fitting ${modelType}`, done, total),
    });
    console.log(
      `${project}: trained ${r.modelType} on ${r.metrics.n_train} rows, accuracy ${r.metrics.accuracy.toFixed(4)} on ${r.metrics.n_test} held-out rows` +
        (r.runId ? ` (run ${r.runId.slice(0, 8)})` : ''),
    );
  });
}
