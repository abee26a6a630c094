import type { ExecutorContext } from '@nx/devkit';
import { runDataCommand } from './data-command';
import type { PushExecutorOptions } from './schema';

export default async function pushExecutor(options: PushExecutorOptions, context: ExecutorContext) {
  return runDataCommand('push', options, context);
}
