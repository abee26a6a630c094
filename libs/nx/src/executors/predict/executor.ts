import type { ExecutorContext } from '@nx/devkit';
import { predictPipeline } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { runStep } from '../shared/run-step';
import type { PredictExecutorOptions } from './schema';

export default async function predictExecutor(options: PredictExecutorOptions, context: ExecutorContext) {
  return runStep('predict', context, async () => {
    const r = await predictPipeline({
      root: context.root,
      projectRoot: projectRootOf(context),
      pipeline: options.pipeline,
      input: options.input,
      output: options.output,
      configDir: options.configDir,
    });
    console.log(`${context.projectName}: ${r.rows} predictions for ${r.input} -> ${r.output}`);
  });
}
