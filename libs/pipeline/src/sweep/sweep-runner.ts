import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { detectGitCommit } from '@cellar/tracking';
import { PipelineError } from '../shared/pipeline-error';
// Static on purpose: Nx removes its TypeScript require hook once the executor has loaded.
import { runSweepJob } from './sweep-job';
import type { SweepJob, SweepJobResult, SweepOptions } from './types';

/**
 * The worker's entry is a plain module beside this file: sweep-worker.js once the package is
 * built (plain node, no transpiler), sweep-worker.ts when run from source, then with swc's
 * require hook as Nx runs the executors (nx-facts).
 */
export function sweepWorkerEntry(dir: string = __dirname): { file: string; execArgv: string[] } {
  const built = join(dir, 'sweep-worker.js');
  if (existsSync(built)) return { file: built, execArgv: [] };
  return { file: join(dir, 'sweep-worker.ts'), execArgv: ['-r', require.resolve('@swc-node/register')] };
}

function interrupted(done: number, total: number): PipelineError {
  return new PipelineError(
    'SWEEP_INTERRUPTED',
    `sweep interrupted after ${done} of ${total} runs; finished runs stay in the tracking store`,
  );
}

/** Jobs a worker holds at once, so it never idles while this process is busy fitting its own. */
const PREFETCH = 2;

/**
 * Fan the sweep's runs out over `parallel` lanes: this process is one lane (it has to load the
 * training code anyway, and a forked worker starts cold), the others are worker processes.
 * Jobs are taken from one queue as lanes free up; one failing run never stops the others.
 */
export async function runSweep(o: SweepOptions): Promise<SweepJobResult[]> {
  const gitCommit = o.track ? detectGitCommit(o.root) : null;
  const jobs: SweepJob[] = o.spec.runs.map((r, index) => ({
    index,
    sweep: o.spec.name,
    data: r.data,
    model: r.model,
    overrides: r.overrides,
    track: o.track,
    gitCommit,
    ...(o.configDir ? { configDir: o.configDir } : {}),
  }));
  const results: SweepJobResult[] = new Array(jobs.length);
  const started = performance.now();
  let next = 0;
  let done = 0;
  let failed = 0;
  const record = (r: SweepJobResult) => {
    results[r.index] = r;
    done++;
    if (!r.ok) failed++;
    const elapsedMs = performance.now() - started;
    const etaMs = (elapsedMs / done) * (jobs.length - done);
    o.onProgress?.({ done, failed, total: jobs.length, elapsedMs, etaMs });
  };
  let stopped = false;
  const take = () => (!stopped && next < jobs.length ? jobs[next++] : undefined);

  const workers: ChildProcess[] = [];
  // Ctrl-C / SIGTERM: start nothing new and stop the workers (their runs end KILLED); this lane's
  // current run ends KILLED through trainingRun's own handler; then the sweep reports the interruption.
  const stopAll = () => {
    stopped = true;
    workers.forEach((w) => w.kill('SIGTERM'));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const lanes = Math.max(1, Math.min(o.parallel, jobs.length));
  try {
    const forked = Array.from({ length: lanes - 1 }, () => runWorkerLane(o.root, take, record, workers));
    await runLocalLane(o.root, take, record);
    await Promise.all(forked);
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  if (stopped) throw interrupted(done, jobs.length);
  return results;
}

async function runLocalLane(
  root: string,
  take: () => SweepJob | undefined,
  record: (r: SweepJobResult) => void,
) {
  for (let job = take(); job; job = take()) {
    record(await runSweepJob(root, job));
    // Fitting blocks the event loop: let worker results and refills through between jobs.
    await new Promise((r) => setImmediate(r));
  }
}

function runWorkerLane(
  root: string,
  take: () => SweepJob | undefined,
  record: (r: SweepJobResult) => void,
  workers: ChildProcess[],
): Promise<void> {
  return new Promise<void>((resolve) => {
    const entry = sweepWorkerEntry();
    const w = fork(entry.file, [root], {
      execArgv: entry.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    workers.push(w);
    const held = new Map<number, SweepJob>();
    const refill = () => {
      while (held.size < PREFETCH) {
        const job = take();
        if (!job) break;
        held.set(job.index, job);
        w.send(job);
      }
      if (held.size === 0) w.disconnect();
    };
    w.on('message', (m: SweepJobResult | { ready: true }) => {
      if ('ready' in m) return refill();
      held.delete(m.index);
      record(m);
      refill();
    });
    w.on('exit', (code, signal) => {
      for (const job of held.values()) {
        record({ index: job.index, ok: false, error: `worker exited (${signal ?? code})`, ms: 0 });
      }
      resolve();
    });
  });
}
