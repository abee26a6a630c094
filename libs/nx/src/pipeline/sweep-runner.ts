import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SweepSpec } from '@cellar/config';
import { detectGitCommit } from '@cellar/tracking';
// Static on purpose: Nx removes its TypeScript require hook once the executor has loaded.
import { runSweepJob } from './sweep-worker';

export interface SweepJob {
  index: number;
  sweep: string;
  model: string;
  overrides: string[];
  track: boolean;
  gitCommit: string | null;
}

export type SweepJobResult =
  | { index: number; ok: true; metrics: Record<string, number>; runId: string | null; ms: number }
  | { index: number; ok: false; error: string; ms: number };

export interface SweepProgress {
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
  etaMs: number;
}

export interface SweepOptions {
  root: string;
  spec: SweepSpec;
  parallel: number;
  track: boolean;
  onProgress?: (p: SweepProgress) => void;
}

const WORKER = join(__dirname, 'sweep-worker.ts');

export class SweepInterrupted extends Error {
  readonly code = 'SWEEP_INTERRUPTED';
  constructor(done: number, total: number) {
    super(`sweep interrupted after ${done} of ${total} runs; finished runs stay in the tracking store`);
  }
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
    model: r.model,
    overrides: r.overrides,
    track: o.track,
    gitCommit,
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
  let interrupted = false;
  const take = () => (!interrupted && next < jobs.length ? jobs[next++] : undefined);

  const workers: ChildProcess[] = [];
  // Ctrl-C / SIGTERM: start nothing new and stop the workers (their runs end KILLED); this lane's
  // current run ends KILLED through trainingRun's own handler; then the sweep reports the interruption.
  const stopAll = () => {
    interrupted = true;
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
  if (interrupted) throw new SweepInterrupted(done, jobs.length);
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
    const w = fork(WORKER, [root], {
      execArgv: ['-r', require.resolve('@swc-node/register')],
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
