import type { ExecutorContext } from '@nx/devkit';
import { pullData } from '@cellar/data';
import { transferLines } from '../data-lines';
import { runStep } from '../shared/run-step';
import type { PullExecutorOptions } from './schema';

export default async function pullExecutor(options: PullExecutorOptions, context: ExecutorContext) {
  return runStep('pull', context, async () => {
    const results = await pullData({
      root: context.root,
      pointers: options.pointers,
      remote: options.remote,
      jobs: options.jobs,
      force: options.force,
    });
    for (const line of transferLines(results, 'fetched')) console.log(line);
  });
}
