import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '@cellar/config';
import type { EvaluationReport } from '../evaluate/evaluate';
import { composePipeline } from '../shared/compose-pipeline';
import { pipelineOutputs } from '../shared/outputs';
import { PipelineError } from '../shared/pipeline-error';
import { summarize, type PipelineSummary } from './summary';

export interface NotifyStageOptions {
  root: string;
  project: string;
  projectRoot: string;
  pipeline: string;
  /** Overrides the config's notify.webhook_url. */
  webhookUrl?: string;
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
}

export interface NotifyStageResult {
  summary: PipelineSummary;
  /** Where to POST it: the option, else notify.webhook_url (env CELLAR_WEBHOOK_URL by default); null = nowhere. */
  webhookUrl: string | null;
}

/** The notify stage, first half: the summary of the evaluation report and where to send it. */
export function pipelineSummary(o: NotifyStageOptions): NotifyStageResult {
  const out = pipelineOutputs(o.projectRoot);
  let report: EvaluationReport;
  try {
    report = JSON.parse(readFileSync(join(o.root, out.report), 'utf8')) as EvaluationReport;
  } catch (e) {
    throw new PipelineError(
      'REPORT_MISSING',
      `${out.report} is missing or unreadable (${errorMessage(e).split('\n')[0]}): run the evaluate target`,
      { file: out.report },
    );
  }
  const summary = summarize(o.project, report, {
    model: out.model,
    report: out.report,
    confusion_matrix: out.confusionSvg,
  });
  const webhookUrl =
    o.webhookUrl ??
    composePipeline(o.root, o.pipeline, [], o.configDir).composed.config.notify.webhookUrl ??
    null;
  return { summary, webhookUrl };
}
