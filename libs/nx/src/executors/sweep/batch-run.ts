import type { ChildProcess } from 'node:child_process';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { canonicalJson, composeConfig } from '@cellar/config';
import { pullData } from '@cellar/data';
import {
  closeLaneStore,
  laneFailure,
  runInLanes,
  runLaneJob,
  type LaneJob,
  type LaneResult,
} from '@cellar/pipeline';
import { detectGitCommit } from '@cellar/tracking';
import { transferLines } from '../data-lines';
import { elapsedAndEta, formatStepError } from '../shared/run-step';
import { pointJob, pointLine } from '../sweep-point/executor';
import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import type { BatchTaskResult } from './batch';
import { sweepTable } from './executor';
import { isPoint } from './is-point';
import type { SweepExecutorOptions } from './schema';

/**
 * The body of batchSweep (batch.ts), once the training code is loaded: `workers` are the worker
 * lanes it forked before loading it.
 */
export async function* runSweepBatch(
  taskGraph: TaskGraph,
  inputs: Record<string, SweepExecutorOptions | SweepPointExecutorOptions>,
  context: ExecutorContext,
  workers: ChildProcess[],
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
  const results: LaneResult[] = [];
  let wake: (() => void) | undefined;
  const record = (r: LaneResult) => {
    results.push(r);
    wake?.();
  };
  let lanesDone = false;
  const started = performance.now();
  const lanes = runInLanes({
    root: context.root,
    // Called once the worker lanes are forked: they load while this process plans and pulls.
    jobs: () =>
      planPoints(points, context.root, rootOf).then(({ jobs, failed: unpulled }) => {
        unpulled.forEach(record);
        return jobs;
      }),
    parallel: workers.length + 1,
    workers,
    runHere: (job, signal) => runLaneJob(context.root, job, signal),
    onResult: record,
  }).finally(() => {
    closeLaneStore();
    lanesDone = true;
    wake?.();
  });
  const total = points.size;
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
      console.log(batchProgress(reported.size, total, performance.now() - started));
    }
    if (lanesDone) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  await lanes;
  // Points never started (Ctrl-C) or lost with a worker still need an answer.
  for (const key of points.keys()) {
    if (reported.has(key)) continue;
    failed.add(key);
    yield { task: key, result: { success: false, terminalOutput: `${key}: interrupted\n` } };
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

type PointJob = Extract<LaneJob, { kind: 'point' }>;

/**
 * The batch's points as lane jobs, heaviest first (so that the lanes end together rather than one
 * finishing a large fit alone), after pulling their data sets: once per data file for the whole
 * batch, since a point has no pull task to depend on (see infer-targets.ts). Points whose data
 * could not be pulled come back as failures, with the pull's error. Never rejects.
 */
export async function planPoints(
  points: Map<string, SweepPointExecutorOptions>,
  root: string,
  rootOf: (taskId: string) => string,
): Promise<{ jobs: LaneJob[]; failed: LaneResult[] }> {
  if (points.size === 0) return { jobs: [], failed: [] };
  // One `git rev-parse` for the batch, not one per point.
  const gitCommit = detectGitCommit(root);
  const planned = [...points].map(([id, options]) => {
    const job = pointJob(id, options, root, rootOf(id), gitCommit);
    return { job, ...fitPlan(job) };
  });
  const work = queueWork(planned);
  const pointers = [...new Set(planned.flatMap((p) => (p.pointer ? [p.pointer] : [])))];
  const pulls = new Map(
    await Promise.all(
      pointers.map(async (pointer) => {
        try {
          const pulled = await pullData({ root, pointers: [pointer] });
          for (const line of transferLines(pulled, 'fetched').slice(0, -1)) console.log(line);
          return [pointer, undefined] as const;
        } catch (e) {
          return [pointer, e] as const;
        }
      }),
    ),
  );
  const failed: LaneResult[] = [];
  const jobs: LaneJob[] = [];
  for (const p of work) {
    const error = p.pointer ? pulls.get(p.pointer) : undefined;
    if (error === undefined) jobs.push(p.job);
    else failed.push(laneFailure(p.job.key, error, 0));
  }
  return { jobs, failed };
}

/**
 * The queue: heaviest work first, so that the lanes end together rather than one finishing a large
 * fit alone. Points are grouped by model family (a lane keeps to one while it can, and warms up the
 * code of fewer models), families heaviest first. Within a family, forests that differ only in
 * n_estimators come together, largest first: the lane fits them all, and the trees of the largest
 * serve the others, which then cost about half a fresh fit (scoring, writing, logging).
 */
export function queueWork<T extends { job: PointJob; cost: number; family?: string; forest?: string }>(
  planned: T[],
): (T & { job: PointJob & { group?: string; weight: number } })[] {
  const forests = new Map<string, { max: number; sum: number }>();
  for (const { cost, forest } of planned) {
    if (forest === undefined) continue;
    const f = forests.get(forest) ?? { max: 0, sum: 0 };
    forests.set(forest, { max: Math.max(f.max, cost), sum: f.sum + cost });
  }
  const forestWeight = (p: T) => {
    const f = p.forest === undefined ? undefined : forests.get(p.forest);
    return f ? f.max + (f.sum - f.max) / 2 : p.cost;
  };
  // A family weighs its points, each group of shared-tree forests counted once, at its weight.
  const families = new Map<string, number>();
  const counted = new Set<string>();
  for (const p of planned) {
    if (p.family === undefined || (p.forest !== undefined && counted.has(p.forest))) continue;
    if (p.forest !== undefined) counted.add(p.forest);
    families.set(p.family, (families.get(p.family) ?? 0) + forestWeight(p));
  }
  const familyWeight = (p: T) => (p.family === undefined ? p.cost : (families.get(p.family) ?? 0));
  const order = (a: T, b: T) =>
    familyWeight(b) - familyWeight(a) ||
    (a.family ?? '').localeCompare(b.family ?? '') ||
    forestWeight(b) - forestWeight(a) ||
    (a.forest ?? '').localeCompare(b.forest ?? '') ||
    b.cost - a.cost;
  return [...planned].sort(order).map((p) => ({
    ...p,
    job: { ...p.job, ...(p.family === undefined ? {} : { group: p.family }), weight: p.cost },
  }));
}

/**
 * A point's data pointer, model family and a rough cost of fitting it (about ms on the wine data),
 * to order the queue (queueWork): boosting fits a tree per stage and class, a forest a tree per
 * estimator, logistic regression is cheap. Forests that differ only in n_estimators share a `forest`
 * key (their config without it), so that one lane fits them all and builds each tree once
 * (ForestTreeCache). A point whose config does not compose costs nothing and pulls nothing (it
 * fails at once, with the config error, when it runs).
 */
export function fitPlan(job: PointJob): { cost: number; pointer?: string; family?: string; forest?: string } {
  try {
    const { config } = composeConfig({
      root: job.point.root,
      data: job.point.data,
      model: job.point.model,
      overrides: job.point.overrides,
      configDir: job.point.configDir,
    });
    const pointer = config.data.pointer;
    const model = config.model;
    const family = model.type;
    if (model.type === 'logreg') return { cost: 30, pointer, family };
    if (model.type === 'gradient_boosting')
      return { cost: model.nEstimators * model.maxDepth, pointer, family };
    // About ms on the wine data: a full-depth tree 1.5, a depth-5 one half that.
    const perTree = Math.min(1.5, 0.15 * (model.maxDepth ?? 10));
    const { nEstimators, ...params } = model;
    const forest = canonicalJson({ ...config, model: params });
    return { cost: nEstimators * perTree, pointer, family, forest };
  } catch {
    return { cost: 0 };
  }
}

/** `sweep points: 3/15 done, elapsed 4.1s, ETA 16.4s`. */
export function batchProgress(done: number, total: number, elapsedMs: number): string {
  return `sweep points: ${done}/${total} done, ${elapsedAndEta(done, total, elapsedMs)}`;
}
