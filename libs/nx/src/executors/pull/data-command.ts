import type { ExecutorContext } from '@nx/devkit';
import { dataCli } from '@cellar/data';

/** pull, push and status are the `cellar data` commands, run from the workspace root. */
export async function runDataCommand(
  command: 'pull' | 'push' | 'status',
  o: { pointers?: string[]; remote?: string; jobs?: number; json?: boolean; force?: boolean },
  context: ExecutorContext,
): Promise<{ success: boolean }> {
  const argv = [command, ...(o.pointers ?? [])];
  if (o.remote) argv.push('--remote', o.remote);
  if (o.jobs) argv.push('--jobs', String(o.jobs));
  if (o.json) argv.push('--json');
  if (o.force) argv.push('--force');
  if (context.isVerbose) argv.push('--verbose');
  const code = await dataCli(argv, {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: context.root,
  });
  return { success: code === 0 };
}
