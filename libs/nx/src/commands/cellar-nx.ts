import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { formatStepError } from '../executors/shared/run-step';

const USAGE = `usage: cellar-nx <step> [options]   (run by the targets @cellar/nx infers; see nx show project <name>)

  notify --pipeline <apps/x/pipeline.yaml> [--config-dir configs] [--webhook-url URL]
  pull [--pointer=<data/x.csv.dvc>]... [pointers..] [--remote NAME|URL|PATH] [--jobs N] [--force]
       only the named pointers (a *.dvc file, or the data file or folder it tracks); none: every
       *.dvc under data/. From .cellar/cache first, downloading only what it lacks.

--verbose adds stack traces to errors.`;

/**
 * The always-run steps (notify, data pull) as a command: Nx runs `nx:run-commands` targets from its
 * own process, where a custom executor costs a forked Nx process per task (nx-facts, "Cost").
 */
export async function main(argv: string[], cwd = process.cwd()): Promise<number> {
  const [step, ...rest] = argv;
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: step === 'pull',
      options: {
        pipeline: { type: 'string' },
        'config-dir': { type: 'string' },
        'webhook-url': { type: 'string' },
        webhookUrl: { type: 'string' },
        remote: { type: 'string' },
        pointer: { type: 'string', multiple: true },
        jobs: { type: 'string' },
        force: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`cellar-nx ${step ?? ''}: ${(e as Error).message.split('\n')[0]}\n${USAGE}`);
    return 2;
  }
  if (values.help || step === undefined) {
    console.log(USAGE);
    return step === undefined ? 2 : 0;
  }
  const verbose = values.verbose === true;
  try {
    switch (step) {
      case 'notify':
        return await notify(cwd, values, verbose);
      case 'pull':
        return await pull(cwd, positionals, values, verbose);
      default:
        console.error(`cellar-nx: unknown step '${step}'\n${USAGE}`);
        return 2;
    }
  } catch (e) {
    console.error(formatStepError(step, undefined, e, verbose));
    return 1;
  }
}

async function notify(
  root: string,
  v: Record<string, string | boolean | string[] | undefined>,
  verbose: boolean,
) {
  const pipeline = v.pipeline as string | undefined;
  if (!pipeline) throw new Error('--pipeline <apps/x/pipeline.yaml> is required');
  // The project is the folder holding the declaration, as createNodes names it.
  const projectRoot = dirname(pipeline);
  const project = basename(projectRoot);
  const { formatSummary, pipelineSummary, postWebhook } = await import('@cellar/pipeline');
  try {
    const { summary, webhookUrl } = pipelineSummary({
      root,
      project,
      projectRoot,
      pipeline,
      webhookUrl: (v['webhook-url'] ?? v.webhookUrl) as string | undefined,
      configDir: v['config-dir'] as string | undefined,
    });
    console.log(formatSummary(summary));
    if (webhookUrl) {
      await postWebhook(webhookUrl, summary);
      console.log(`  webhook       sent to ${new URL(webhookUrl).host}`);
    }
    return 0;
  } catch (e) {
    console.error(formatStepError('notify', project, e, verbose));
    return 1;
  }
}

async function pull(
  root: string,
  positionals: string[],
  v: Record<string, string | boolean | string[] | undefined>,
  verbose: boolean,
) {
  // --pointer (repeatable) is what inferred targets pass; bare paths are kept for people typing it.
  const pointers = [...((v.pointer as string[] | undefined) ?? []), ...positionals];
  const { pullData } = await import('@cellar/data');
  const { transferLines } = await import('../executors/data-lines');
  const jobs = v.jobs === undefined ? undefined : Number(v.jobs);
  if (jobs !== undefined && (!Number.isInteger(jobs) || jobs < 1)) {
    throw new Error(`--jobs must be an integer >= 1 (got '${v.jobs}')`);
  }
  try {
    const results = await pullData({
      root,
      pointers: pointers.length ? pointers : undefined,
      remote: v.remote as string | undefined,
      jobs,
      force: v.force === true,
    });
    for (const line of transferLines(results, 'fetched')) console.log(line);
    return 0;
  } catch (e) {
    // Named after the task that ran it (iris-logreg:pull-data), not always data:pull.
    const project = process.env.NX_TASK_TARGET_PROJECT;
    const step = (project && process.env.NX_TASK_TARGET_TARGET) || 'pull';
    console.error(formatStepError(step, project || 'data', e, verbose));
    return 1;
  }
}
