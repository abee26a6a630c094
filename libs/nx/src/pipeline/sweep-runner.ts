import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { SweepSpec } from '@cellar/config';
import { detectGitCommit } from '@cellar/tracking';

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
  etaMs: number | null;
}

export interface SweepOptions {
  root: string;
  spec: SweepSpec;
  parallel: number;
  track: boolean;
  onProgress?: (p: SweepProgress) => void;
}

const WORKER = join(__dirname, 'sweep-worker.ts');

/** Fan the sweep's runs out over `parallel` worker processes; one failing run never stops the others. */
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
  const workers: ChildProcess[] = [];
  const report = () => {
    const elapsedMs = performance.now() - started;
    const etaMs = done > 0 ? (elapsedMs / done) * (jobs.length - done) : null;
    o.onProgress?.({ done, failed, total: jobs.length, elapsedMs, etaMs });
  };
  const stopAll = () => workers.forEach((w) => w.kill('SIGTERM'));
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  try {
    await Promise.all(
      Array.from(
        { length: Math.max(1, Math.min(o.parallel, jobs.length)) },
        () =>
          new Promise<void>((resolve, reject) => {
            const w = fork(WORKER, [o.root], {
              execArgv: ['-r', require.resolve('@swc-node/register')],
              stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
            });
            workers.push(w);
            let current: SweepJob | undefined;
            const dispatch = () => {
              current = jobs[next++];
              if (current) w.send(current);
              else w.disconnect();
            };
            w.on('message', (m: SweepJobResult | { ready: true }) => {
              if ('ready' in m) return dispatch();
              results[m.index] = m;
              done++;
              if (!m.ok) failed++;
              report();
              dispatch();
            });
            w.on('exit', (code, signal) => {
              if (current && !results[current.index]) {
                results[current.index] = {
                  index: current.index,
                  ok: false,
                  error: `worker exited (${signal ?? code})`,
                  ms: 0,
                };
                done++;
                failed++;
                report();
              }
              if (signal === 'SIGTERM' || signal === 'SIGINT') reject(new Error('sweep interrupted'));
              else resolve();
            });
          }),
      ),
    );
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  for (const job of jobs) {
    results[job.index] ??= { index: job.index, ok: false, error: 'not run: every worker exited', ms: 0 };
  }
  return results;
}
