import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { LaneJob, LaneResult } from './types';

/** The repository's require hook for TypeScript sources (tools/dev/register.js). */
export const SOURCE_REGISTER = join(__dirname, '../../../../tools/dev/register.js');

/**
 * The worker's entry is a plain module beside this file: sweep-worker.js once the package is
 * built (plain node, no transpiler), sweep-worker.ts when run from source in this repository, then
 * with its swc require hook.
 */
export function sweepWorkerEntry(dir: string = __dirname): { file: string; execArgv: string[] } {
  const built = join(dir, 'sweep-worker.js');
  if (existsSync(built)) return { file: built, execArgv: [] };
  return { file: join(dir, 'sweep-worker.ts'), execArgv: ['-r', SOURCE_REGISTER] };
}

/** Jobs a worker holds at once, so it never idles while this process is busy fitting its own. */
const PREFETCH = 2;

/**
 * A job of at most this weight (LaneJob.weight, about ms) is sent to a busy worker ahead of time.
 * A larger one waits for a free lane, whichever frees up first: sent ahead, it once kept a worker
 * busy 0.4 s after the other lane had run out of work.
 */
const PREFETCH_MAX_WEIGHT = 100;

/**
 * Forks `count` worker processes before their jobs are known, so that they load the training code
 * while the caller is still loading or planning (a batch process loads that code for about 0.4 s
 * itself). Hand them to runInLanes as `workers`. Until then nothing listens to them: Node's IPC
 * channel reads only once a 'message' listener is attached, so a worker's "ready" waits in the
 * channel. A worker that never gets a lane leaves when this process lets go of its channel.
 */
export function forkLaneWorkers(root: string, count: number): ChildProcess[] {
  const entry = sweepWorkerEntry();
  return Array.from({ length: Math.max(0, count) }, () =>
    fork(entry.file, [root], { execArgv: entry.execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }),
  );
}

export interface LanesOptions {
  root: string;
  /**
   * The jobs, or a function preparing them (composing configs, pulling data; it must not reject),
   * called once the workers are forked, so that they load meanwhile.
   */
  jobs: LaneJob[] | (() => Promise<LaneJob[]>);
  /** Lanes: this process plus parallel - 1 worker processes (never more than there are jobs). */
  parallel: number;
  /**
   * Workers forked ahead by forkLaneWorkers: used instead of forking parallel - 1 here (those
   * beyond the jobs get none and leave).
   */
  workers?: ChildProcess[];
  /** Runs a job in this process, stopping it once `signal` is aborted; never throws (a failure is a result). */
  runHere: (job: LaneJob, signal: AbortSignal) => Promise<LaneResult>;
  onResult: (r: LaneResult) => void;
}

/**
 * Fans jobs out over lanes: this process is one (it has loaded the training code anyway, and a
 * forked worker starts cold), the others are worker processes fed over IPC from one queue as they
 * free up. One failing job never stops the others.
 *
 * Ctrl-C / SIGTERM: nothing new starts, the workers are stopped (their tracked runs end KILLED) and
 * this lane's current fit stops at its next step (its run ends KILLED too). Resolves to whether it
 * was stopped; jobs never started get no result.
 */
export async function runInLanes(o: LanesOptions): Promise<{ stopped: boolean }> {
  let stopped = false;
  let queue: LaneQueue = new LaneQueue([]);
  const take = (lane: number) => (stopped ? undefined : queue.take(lane));
  const workers: ChildProcess[] = [];
  const abort = new AbortController();
  const stopAll = () => {
    stopped = true;
    abort.abort();
    workers.forEach((w) => w.kill('SIGTERM'));
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const known = Array.isArray(o.jobs) ? o.jobs.length : Infinity;
  const lanes = Math.max(1, Math.min(o.parallel, known));
  const pool = o.workers ?? forkLaneWorkers(o.root, lanes - 1);
  let prepared: (all: LaneJob[]) => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    prepared = (all) => {
      queue = new LaneQueue(all);
      resolve();
    };
  });
  try {
    const forked = pool.map((w, i) =>
      runWorkerLane(
        w,
        ready,
        () => take(i + 1),
        () => queue.peek(i + 1),
        (jobs) => queue.giveBack(jobs),
        o.onResult,
        workers,
      ),
    );
    prepared(Array.isArray(o.jobs) ? o.jobs : await o.jobs());
    const runAll = async () => {
      for (let job = take(0); job; job = take(0)) {
        // Fitting blocks the event loop: first let the workers take theirs (their first refill is
        // queued once the jobs are prepared), and results and signals through.
        await new Promise((r) => setImmediate(r));
        if (stopped) break;
        o.onResult(await o.runHere(job, abort.signal));
      }
    };
    await runAll();
    await Promise.all(forked);
    // Jobs given back by a worker that died while loading, after this lane had run out.
    await runAll();
  } finally {
    process.off('SIGINT', stopAll);
    process.off('SIGTERM', stopAll);
  }
  return { stopped };
}

/**
 * The jobs in order, each taken once. The first job of a group takes the rest of its group along:
 * they are the lane's own, served to it before the shared queue. A lane with nothing left takes the
 * last job another lane holds (the one holding the most), so a group never keeps a lane idle.
 */
export class LaneQueue {
  private next = 0;
  private readonly taken = new Set<LaneJob>();
  private readonly own = new Map<number, LaneJob[]>();

  constructor(private readonly jobs: LaneJob[]) {}

  /** Jobs taken but never run (their lane's process died first): handed out again, first. */
  giveBack(jobs: LaneJob[]): void {
    for (const job of jobs) this.taken.delete(job);
    this.jobs.splice(this.next, 0, ...jobs);
  }

  /** What take(lane) would hand out, without taking it. */
  peek(lane: number): LaneJob | undefined {
    const mine = this.own.get(lane);
    if (mine && mine.length > 0) return mine[0];
    for (let i = this.next; i < this.jobs.length; i++) if (!this.taken.has(this.jobs[i])) return this.jobs[i];
    return this.victim(lane)?.at(-1);
  }

  take(lane: number): LaneJob | undefined {
    const mine = this.own.get(lane) ?? [];
    if (mine.length > 0) return mine.shift();
    while (this.next < this.jobs.length) {
      const job = this.jobs[this.next++];
      if (this.taken.has(job)) continue;
      this.taken.add(job);
      if (job.group !== undefined) {
        const rest = this.jobs.slice(this.next).filter((j) => j.group === job.group && !this.taken.has(j));
        rest.forEach((j) => this.taken.add(j));
        this.own.set(lane, rest);
      }
      return job;
    }
    return this.victim(lane)?.pop();
  }

  /** Another lane's own jobs, the longest list of them, if any lane holds some. */
  private victim(lane: number): LaneJob[] | undefined {
    let most: LaneJob[] | undefined;
    for (const [other, jobs] of this.own) {
      if (other !== lane && jobs.length > (most?.length ?? 0)) most = jobs;
    }
    return most;
  }
}

/**
 * Feeds one worker from the queue as soon as the jobs are known, not when the worker says it has
 * loaded: Node keeps IPC messages until the worker listens, so it starts on its first job the
 * moment it can, rather than when this process (busy fitting) next reads its "ready". A worker
 * that dies before it loaded gives its jobs back; one that dies later fails those it held.
 */
function runWorkerLane(
  w: ChildProcess,
  ready: Promise<void>,
  take: () => LaneJob | undefined,
  peek: () => LaneJob | undefined,
  giveBack: (jobs: LaneJob[]) => void,
  record: (r: LaneResult) => void,
  workers: ChildProcess[],
): Promise<void> {
  return new Promise<void>((resolve) => {
    // Forked ahead (forkLaneWorkers) and gone already, before this lane listened: nothing to feed.
    if (w.exitCode !== null || w.signalCode !== null) return resolve();
    workers.push(w);
    let loaded = false;
    const held = new Map<string, LaneJob>();
    const refill = () => {
      if (!w.connected) return; // died (its jobs come back at 'exit') or already let go
      while (held.size < PREFETCH) {
        if (held.size > 0 && (peek()?.weight ?? 0) > PREFETCH_MAX_WEIGHT) break;
        const job = take();
        if (!job) break;
        held.set(job.key, job);
        w.send(job);
      }
      if (held.size === 0) w.disconnect();
    };
    void ready.then(refill);
    w.on('message', (m: LaneResult | { ready: true }) => {
      if ('ready' in m) return void (loaded = true);
      held.delete(m.key);
      record(m);
      refill();
    });
    w.on('exit', (code, signal) => {
      if (!loaded) giveBack([...held.values()]);
      else {
        for (const job of held.values()) {
          record({ key: job.key, ok: false, error: `worker exited (${signal ?? code})`, ms: 0 });
        }
      }
      resolve();
    });
  });
}
