import type { ExecutorContext } from '@nx/devkit';
import { dataStatus } from '@cellar/data';
import { runStep } from '../shared/run-step';
import type { StatusExecutorOptions } from './schema';

export default async function statusExecutor(options: StatusExecutorOptions, context: ExecutorContext) {
  return runStep('status', context, async () => {
    const report = await dataStatus({
      root: context.root,
      pointers: options.pointers,
      remote: options.remote,
    });
    if (options.json) {
      console.log(JSON.stringify(report, null, 2));
      return;
    }
    const width = Math.max(0, ...report.files.map((f) => f.path.length));
    for (const f of report.files) {
      console.log(
        `${f.path.padEnd(width)}  workspace ${f.workspace}, remote '${report.remote.name}' ${f.remote}`,
      );
      for (const u of f.untracked ?? []) console.log(`${u.padEnd(width)}  not in ${f.pointer}`);
    }
  });
}
