import type { ExecutorContext } from '@nx/devkit';
import { runDataCommand } from './data-command';
import type { PullExecutorOptions } from './schema';

export default async function pullExecutor(options: PullExecutorOptions, context: ExecutorContext) {
  return runDataCommand('pull', options, context);
}
