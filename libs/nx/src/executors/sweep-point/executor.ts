import type { ExecutorContext } from '@nx/devkit';
import { trainSweepPoint, type LaneJob, type SweepPointResult } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { progressLine, runStep } from '../shared/run-step';
import type { SweepPointExecutorOptions } from './schema';

/** What a point fits, as a lane job: the same inputs in this process or in a sweep worker. */
export function pointJob(
  key: string,
  options: SweepPointExecutorOptions,
  root: string,
  projectRoot: string,
  gitCommit?: string | null,
): Extract<LaneJob, { kind: 'point' }> {
  return {
    key,
    kind: 'point',
    point: {
      root,
      sweep: options.sweep,
      id: options.id,
      data: options.data,
      model: options.model,
      overrides: options.overrides ?? [],
      outDir: projectRoot,
      track: options.track ?? true,
      configDir: options.configDir,
      ...(gitCommit !== undefined ? { gitCommit } : {}),
    },
  };
}

/** `<project>: random_forest model.n_estimators=50: accuracy 0.6856 (run 1a2b3c4d)` */
export function pointLine(
  project: string,
  options: SweepPointExecutorOptions,
  r: Pick<SweepPointResult, 'metrics' | 'runId'>,
): string {
  return (
    `${project}: ${options.model} ${(options.overrides ?? []).join(' ') || '(defaults)'}: accuracy ${r.metrics.accuracy.toFixed(4)}` +
    (r.runId ? ` (run ${r.runId.slice(0, 8)})` : '')
  );
}

/** One point on its own (`--batch=false`): fitted in this process with a progress line. */
export default async function sweepPointExecutor(
  options: SweepPointExecutorOptions,
  context: ExecutorContext,
) {
  return runStep('point', context, async () => {
    const project = `${context.projectName}`;
    const progress = progressLine();
    const job = pointJob(project, options, context.root, projectRootOf(context));
    const r = await trainSweepPoint({
      ...job.point,
      pull: true,
      onProgress: (done, total) => progress(`${project}: fitting ${options.model}`, done, total),
    });
    console.log(pointLine(project, options, r));
  });
}
