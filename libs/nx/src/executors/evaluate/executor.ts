import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { writeFileAtomic } from '@cellar/data';
import { composePipeline, evaluateArtifact, loadSplitData } from '../../pipeline/steps';
import { pipelineOutputs } from '../../pipeline/paths';
import { runStep } from '../../pipeline/report-error';
import { projectRootOf } from '../project-root';
import type { EvaluateExecutorOptions } from './schema';

export default async function evaluateExecutor(options: EvaluateExecutorOptions, context: ExecutorContext) {
  return runStep('evaluate', context, async () => {
    const root = context.root;
    const out = pipelineOutputs(projectRootOf(context));
    const { composed } = composePipeline(root, options.pipeline, options.overrides ?? []);
    const data = await loadSplitData(root, composed);
    const { report, reportJson, svg } = evaluateArtifact(join(root, out.model), out.model, composed, data);
    writeFileAtomic(join(root, out.report), reportJson);
    writeFileAtomic(join(root, out.confusionSvg), svg);
    console.log(
      `${context.projectName}: accuracy ${report.accuracy.toFixed(4)} on ${report.n_test} rows -> ${out.report}, ${out.confusionSvg}`,
    );
  });
}
