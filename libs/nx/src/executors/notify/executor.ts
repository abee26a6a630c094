import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExecutorContext } from '@nx/devkit';
import { composePipeline, PipelineError, type EvaluationReport } from '../../pipeline/steps';
import { pipelineOutputs } from '../../pipeline/paths';
import { formatSummary, postWebhook, summarize } from '../../pipeline/notifiers';
import { runStep } from '../../pipeline/report-error';
import { projectRootOf } from '../project-root';
import type { NotifyExecutorOptions } from './schema';

export default async function notifyExecutor(options: NotifyExecutorOptions, context: ExecutorContext) {
  return runStep('notify', context, async () => {
    const root = context.root;
    const out = pipelineOutputs(projectRootOf(context));
    let report: EvaluationReport;
    try {
      report = JSON.parse(readFileSync(join(root, out.report), 'utf8')) as EvaluationReport;
    } catch (e) {
      throw new PipelineError(
        'REPORT_MISSING',
        `${out.report} is missing or unreadable (${(e as Error).message.split('\n')[0]}): run the evaluate target`,
      );
    }
    const summary = summarize(context.projectName as string, report, {
      model: out.model,
      report: out.report,
      confusion_matrix: out.confusionSvg,
    });
    console.log(formatSummary(summary));
    const url =
      options.webhookUrl ?? composePipeline(root, options.pipeline).composed.config.notify.webhookUrl;
    if (url) {
      await postWebhook(url, summary);
      console.log(`  webhook       sent to ${new URL(url).host}`);
    }
  });
}
