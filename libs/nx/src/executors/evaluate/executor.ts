import type { ExecutorContext } from '@nx/devkit';
import { evaluatePipeline } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { runStep } from '../shared/run-step';
import type { EvaluateExecutorOptions } from './schema';

export default async function evaluateExecutor(options: EvaluateExecutorOptions, context: ExecutorContext) {
  return runStep('evaluate', context, async () => {
    const { report, files } = await evaluatePipeline({
      root: context.root,
      projectRoot: projectRootOf(context),
      pipeline: options.pipeline,
      overrides: options.overrides ?? [],
      configDir: options.configDir,
    });
    console.log(
      `${context.projectName}: accuracy ${report.accuracy.toFixed(4)} on ${report.n_test} rows -> ${files.report}, ${files.confusionSvg}`,
    );
  });
}
