import type { ExecutorContext } from '@nx/devkit';
import { formatSummary, pipelineSummary, postWebhook } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { runStep } from '../shared/run-step';
import type { NotifyExecutorOptions } from './schema';

export default async function notifyExecutor(options: NotifyExecutorOptions, context: ExecutorContext) {
  return runStep('notify', context, async () => {
    const { summary, webhookUrl } = pipelineSummary({
      root: context.root,
      project: context.projectName as string,
      projectRoot: projectRootOf(context),
      pipeline: options.pipeline,
      webhookUrl: options.webhookUrl,
      configDir: options.configDir,
    });
    console.log(formatSummary(summary));
    if (webhookUrl) {
      await postWebhook(webhookUrl, summary);
      console.log(`  webhook       sent to ${new URL(webhookUrl).host}`);
    }
  });
}
