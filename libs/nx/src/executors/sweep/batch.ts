import { availableParallelism } from 'node:os';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { composeConfig } from '@cellar/config';
import { runInLanes, runLaneJob, type LaneJob, type LaneResult } from '@cellar/pipeline';
import { detectGitCommit } from '@cellar/tracking';
import { elapsedAndEta, formatStepError } from '../shared/run-step';
import { pointJob, pointLine } from '../sweep-point/executor';
import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import { isPoint, sweepTable } from './executor';
import type { SweepExecutorOptions } from './schema';

interface BatchTaskResult {
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
 */
export async function* batchSweep(
  taskGraph: TaskGraph,
  inputs: Record<string, SweepExecutorOptions | SweepPointExecutorOptions>,
  _overrides: unknown,
  context: ExecutorContext,
): AsyncGenerator<BatchTaskResult> {
  const ids = Object.keys(inputs);
  const projectOf = (taskId: string) => taskGraph.tasks[taskId].target.project;
  const rootOf = (taskId: string) => context.projectsConfigurations?.projects[projectOf(taskId)]?.root ?? '';
  const failed = new Set<string>();

  const points = new Map<string, SweepPointExecutorOptions>();
  for (const id of ids) {
    const options = inputs[id];
    if (isPoint(options)) points.set(id, options);
  }
  // One `git rev-parse` for the batch, not one per point.
  const gitCommit = points.size > 0 ? detectGitCommit(context.root) : null;
  // Heaviest first, so that the lanes end together rather than one finishing a large fit alone.
  const jobs: LaneJob[] = [...points]
    .map(([id, options]) => pointJob(id, options, context.root, rootOf(id), gitCommit))
    .map((job) => ({ job, cost: fitCost(job) }))
    .sort((a, b) => b.cost - a.cost)
    .map(({ job }) => job);
  const results: LaneResult[] = [];
  let wake: (() => void) | undefined;
  let lanesDone = false;
  const started = performance.now();
  const lanes = runInLanes({
    root: context.root,
    jobs,
    parallel: sweepLanes(jobs.length),
    runHere: (job, signal) => runLaneJob(context.root, job, signal),
    onResult: (r) => {
      results.push(r);
      wake?.();
    },
  }).finally(() => {
    lanesDone = true;
    wake?.();
  });
  const reported = new Set<string>();
  for (;;) {
    for (let r = results.shift(); r; r = results.shift()) {
      reported.add(r.key);
      const project = projectOf(r.key);
      let terminalOutput: string;
      if (r.ok) terminalOutput = pointLine(project, points.get(r.key) as SweepPointExecutorOptions, r);
      else {
        failed.add(r.key);
        const error = Object.assign(new Error(r.error), r.code ? { code: r.code } : {});
        terminalOutput = formatStepError('point', project, error, context.isVerbose);
      }
      // Nx prints (and caches) a task's terminalOutput when it is yielded: not logged here as well.
      yield { task: r.key, result: { success: r.ok, terminalOutput: `${terminalOutput}\n` } };
      // The batch's progress is not a task's output: it goes to the batch's own stream only.
      console.log(batchProgress(reported.size, jobs.length, performance.now() - started));
    }
    if (lanesDone) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await lanes;
  // Points never started (Ctrl-C) or lost with a worker still need an answer.
  for (const job of jobs) {
    if (reported.has(job.key)) continue;
    failed.add(job.key);
    yield { task: job.key, result: { success: false, terminalOutput: `${job.key}: interrupted\n` } };
  }

  for (const id of ids) {
    if (points.has(id)) continue;
    const waitedFor = (taskGraph.dependencies[id] ?? []).filter((d) => failed.has(d));
    if (waitedFor.length > 0) {
      const why = `${id}: not run, ${waitedFor.length} of its points failed (see above)`;
      yield { task: id, result: { success: false, terminalOutput: `${why}\n` } };
      continue;
    }
    let terminalOutput: string;
    let success = true;
    try {
      const { text, error } = sweepTable(inputs[id] as SweepExecutorOptions, context.root, rootOf(id));
      terminalOutput = text;
      if (error) {
        success = false;
        terminalOutput += `\n${formatStepError('sweep', projectOf(id), error, context.isVerbose)}`;
      }
    } catch (e) {
      success = false;
      terminalOutput = formatStepError('sweep', projectOf(id), e, context.isVerbose);
    }
    yield { task: id, result: { success, terminalOutput: `${terminalOutput}\n` } };
  }
}

/**
 * A rough relative cost of fitting a point, to order the queue: boosting fits a tree per stage and
 * class, a forest a tree per estimator, logistic regression is cheap. A point whose config does
 * not compose costs nothing (it fails at once).
 */
export function fitCost(job: Extract<LaneJob, { kind: 'point' }>): number {
  try {
    const { resolved } = composeConfig({
      root: job.point.root,
      data: job.point.data,
      model: job.point.model,
      overrides: job.point.overrides,
      configDir: job.point.configDir,
    });
    const model = resolved.model as { type?: string; n_estimators?: number };
    const n = typeof model.n_estimators === 'number' ? model.n_estimators : 100;
    if (model.type === 'gradient_boosting') return 3 * n;
    if (model.type === 'random_forest') return n;
    return 5;
  } catch {
    return 0;
  }
}

/** `sweep points: 3/15 done, elapsed 4.1s, ETA 16.4s`. */
export function batchProgress(done: number, total: number, elapsedMs: number): string {
  return `sweep points: ${done}/${total} done, ${elapsedAndEta(done, total, elapsedMs)}`;
}
