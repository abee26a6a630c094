import type { ExecutorContext } from '@nx/devkit';
import { pushData } from '@cellar/data';
import { transferLines } from '../data-lines';
import { runStep } from '../shared/run-step';
import type { PushExecutorOptions } from './schema';

export default async function pushExecutor(options: PushExecutorOptions, context: ExecutorContext) {
  return runStep('push', context, async () => {
    const results = await pushData({
      root: context.root,
      pointers: options.pointers,
      remote: options.remote,
      jobs: options.jobs,
    });
    for (const line of transferLines(results, 'uploaded')) console.log(line);
  });
}
