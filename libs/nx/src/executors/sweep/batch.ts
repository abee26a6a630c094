import type { ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { forkLaneWorkers } from '@cellar/pipeline/lanes';
import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import { isPoint } from './is-point';
import type { SweepExecutorOptions } from './schema';

export interface BatchTaskResult {
  task: string;
  result: { success: boolean; terminalOutput: string };
}

/** A worker process costs about a second of start-up from source: not worth it for a few points. */
const MIN_POINTS_FOR_WORKERS = 4;

/** Lanes for a batch's points: CELLAR_SWEEP_LANES, else one per CPU. */
export function sweepLanes(points: number, env: NodeJS.ProcessEnv = process.env): number {
  const asked = Number(env.CELLAR_SWEEP_LANES);
  const lanes = Number.isInteger(asked) && asked >= 1 ? asked : availableParallelism();
  return points < MIN_POINTS_FOR_WORKERS ? 1 : Math.min(lanes, points);
}

/**
 * Nx batch mode (preferred by this executor; `--batch=false` opts out): a run's sweep tasks in one
 * process. The points are fitted over lanes (this process plus worker processes, runInLanes), and
 * each is reported to Nx as it finishes; then the table, whose points are all done by then. Nx 23.3.1
 * takes an async iterator of `{ task, result }` and marks each task done as it is yielded
 * (tasks-runner/batch/run-batch.js), but caches the batch's tasks only when the batch ends.
 *
 * This module is light on purpose: the worker lanes are forked first, and load the training code
 * while this process loads it too (batch-run.ts and what it imports, about 0.4 s), rather than after.
 */
export async function* batchSweep(
  taskGraph: TaskGraph,
  inputs: Record<string, SweepExecutorOptions | SweepPointExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const points = Object.values(inputs).filter(isPoint).length;
  const workers: ChildProcess[] = forkLaneWorkers(context.root, sweepLanes(points) - 1);
  let run: typeof import('./batch-run');
  try {
    run = await import('./batch-run');
  } catch (e) {
    workers.forEach((w) => w.kill('SIGTERM'));
    throw e;
  }
  yield* run.runSweepBatch(taskGraph, inputs, context, workers);
}
