import type { ExecutorContext } from '@nx/devkit';
import { runDataCommand } from './data-command';
import type { StatusExecutorOptions } from './schema';

export default async function statusExecutor(options: StatusExecutorOptions, context: ExecutorContext) {
  return runDataCommand('status', options, context);
}
