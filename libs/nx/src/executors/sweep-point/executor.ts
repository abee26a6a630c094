import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { trainSweepPoint } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { elapsedAndEta, formatStepError, progressLine, runStep } from '../shared/run-step';
import type { SweepPointExecutorOptions } from './schema';

async function fitPoint(
  options: SweepPointExecutorOptions,
  root: string,
  projectRoot: string,
  label: string,
): Promise<string> {
  const progress = progressLine();
  const r = await trainSweepPoint({
    root,
    sweep: options.sweep,
    id: options.id,
    data: options.data,
    model: options.model,
    overrides: options.overrides ?? [],
    outDir: projectRoot,
    track: options.track ?? true,
    configDir: options.configDir,
    onProgress: (done, total) => progress(`${label}: fitting ${options.model}`, done, total),
  });
  return (
    `${label}: ${options.model} ${(options.overrides ?? []).join(' ') || '(defaults)'}: accuracy ${r.metrics.accuracy.toFixed(4)}` +
    (r.runId ? ` (run ${r.runId.slice(0, 8)})` : '')
  );
}

export default async function sweepPointExecutor(
  options: SweepPointExecutorOptions,
  context: ExecutorContext,
) {
  return runStep('point', context, async () => {
    const line = await fitPoint(options, context.root, projectRootOf(context), `${context.projectName}`);
    console.log(line);
  });
}

interface BatchTaskResult {
  task: string;
  result: { success: boolean; terminalOutput: string };
}

/**
 * Nx batch mode (`--batch` / NX_BATCH_MODE=true): every point task of a run in this one process, so a
 * point pays no process start and the training code loads once. Nx 23.3.1 takes an async iterator of
 * `{ task, result }` and marks each task done as it is yielded (tasks-runner/batch/run-batch.js).
 */
export async function* batchSweepPoints(
  taskGraph: TaskGraph,
  inputs: Record<string, SweepPointExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  let stopped = false;
  const stop = () => (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  const ids = Object.keys(inputs);
  const started = performance.now();
  let done = 0;
  try {
    for (const taskId of ids) {
      const task = taskGraph.tasks[taskId];
      if (stopped) {
        yield { task: taskId, result: { success: false, terminalOutput: `${taskId}: interrupted\n` } };
        continue;
      }
      const project = task.target.project;
      const projectRoot = context.projectsConfigurations?.projects[project]?.root ?? '';
      let output: string;
      let success = true;
      try {
        output = await fitPoint(inputs[taskId], context.root, projectRoot, project);
      } catch (e) {
        success = false;
        output = formatStepError(task.target.target, project, e, context.isVerbose);
      }
      done++;
      // Nx prints (and caches) a task's terminalOutput when it is yielded: not logged here as well.
      // The batch's progress is not a task's output: it goes to the batch's own stream only.
      yield { task: taskId, result: { success, terminalOutput: `${output}\n` } };
      console.log(batchProgress(done, ids.length, performance.now() - started));
      // Fitting blocks the event loop: let a Ctrl-C through between points.
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** `sweep points: 3/15 done, elapsed 4.1s, ETA 16.4s`: a batch runs its points one after another. */
export function batchProgress(done: number, total: number, elapsedMs: number): string {
  return `sweep points: ${done}/${total} done, ${elapsedAndEta(done, total, elapsedMs)}`;
}
