import { PipelineError } from '../shared/pipeline-error';
import type { PipelineSummary } from './summary';

/** POST the summary as JSON. Fails with one line naming the host (never the full URL: it may hold a token). */
export async function postWebhook(url: string, s: PipelineSummary, timeoutMs = 10_000): Promise<void> {
  let host: string;
  try {
    host = new URL(url).host;
  } catch {
    throw new PipelineError('WEBHOOK_URL', 'notify.webhook_url is not a valid URL');
  }
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ event: 'pipeline.finished', ...s }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    throw new PipelineError(
      'WEBHOOK_FAILED',
      `webhook ${host} unreachable (${(e as Error).message}): check notify.webhook_url / CELLAR_WEBHOOK_URL`,
    );
  }
  if (!res.ok) {
    throw new PipelineError(
      'WEBHOOK_FAILED',
      `webhook ${host} answered HTTP ${res.status}: check notify.webhook_url / CELLAR_WEBHOOK_URL`,
    );
  }
}
