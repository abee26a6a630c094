import { fork } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { SweepSpec } from '@cellar/config';
import { openStore } from '@cellar/tracking';
import { wineWorkspace } from '../testing/wine-workspace';
import { runLaneJob } from './lane-job';
import { forkLaneWorkers, LaneQueue, runInLanes, SOURCE_REGISTER, sweepWorkerEntry } from './lanes';
import { runSweep } from './sweep-runner';
import type { LaneJob, LaneResult, SweepProgress } from './types';

describe('sweepWorkerEntry', () => {
  it('is the .ts source with swc from source, and the plain .js module once built', () => {
    const source = sweepWorkerEntry();
    expect(source.file).toBe(join(__dirname, 'sweep-worker.ts'));
    expect(source.execArgv).toEqual(['-r', SOURCE_REGISTER]);
    expect(existsSync(SOURCE_REGISTER)).toBe(true);
    const built = mkdtempSync(join(tmpdir(), 'cellar-built-'));
    try {
      writeFileSync(join(built, 'sweep-worker.js'), '');
      expect(sweepWorkerEntry(built)).toEqual({ file: join(built, 'sweep-worker.js'), execArgv: [] });
    } finally {
      rmSync(built, { recursive: true, force: true });
    }
  });
});

describe('LaneQueue', () => {
  const job = (key: string, group?: string): LaneJob => ({
    key,
    ...(group ? { group } : {}),
    kind: 'job',
    job: { index: 0, sweep: 's', model: 'logreg', overrides: [], track: false, gitCommit: null },
  });

  it('hands out jobs in order, each once; a group follows the lane that took its first job, until another runs dry', () => {
    const q = new LaneQueue([job('a'), job('f1', 'f'), job('b'), job('f2', 'f'), job('c'), job('f3', 'f')]);
    const took = (lane: number) => {
      const next = q.peek(lane);
      const job = q.take(lane);
      expect(job).toBe(next);
      return job?.key;
    };
    expect(took(0)).toBe('a');
    expect(took(1)).toBe('f1');
    expect(took(0)).toBe('b');
    // f2 and f3 wait for lane 1, ahead of the shared queue...
    expect(took(0)).toBe('c');
    // ...unless lane 0 runs out of work: it takes lane 1's last one.
    expect(took(0)).toBe('f3');
    expect(took(1)).toBe('f2');
    expect(took(1)).toBeUndefined();
    expect(took(0)).toBeUndefined();
  });

  it('hands out jobs given back (their lane died) next, to any lane', () => {
    const q = new LaneQueue([job('a'), job('b'), job('c')]);
    const a = q.take(1) as LaneJob;
    const b = q.take(1) as LaneJob;
    q.giveBack([a, b]);
    expect([q.take(0)?.key, q.take(0)?.key, q.take(0)?.key, q.take(0)]).toEqual(['a', 'b', 'c', undefined]);
  });
});

describe('runSweep', () => {
  const ws = wineWorkspace();
  afterAll(() => ws.dispose());

  it('runs every combination over this process and a worker; a failing run is a result, not a stop', async () => {
    const spec: SweepSpec = {
      name: 'mini',
      metric: 'accuracy',
      file: 'configs/sweep/mini.yaml',
      runs: [
        { data: 'wine', model: 'logreg', overrides: ['model.C=0.5'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=-1'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=1'] },
        { data: 'wine', model: 'logreg', overrides: ['model.C=2'] },
      ],
    };
    const progress: SweepProgress[] = [];
    const results = await runSweep({
      root: ws.root,
      spec,
      parallel: 2,
      track: false,
      onProgress: (p) => progress.push(p),
    });
    expect(results.map((r) => [r.index, r.ok])).toEqual([
      [0, true],
      [1, false],
      [2, true],
      [3, true],
    ]);
    const failed = results[1];
    expect(!failed.ok && failed.error).toBe("override 'model.C=-1': model.C must be > 0 (got -1)");
    // Same config as the pinned wine-logreg model: the same accuracy, in whichever lane it ran.
    expect(results[2].ok && results[2].metrics.accuracy).toBe(0.6157205240174672);
    expect(results.every((r) => !r.ok || r.runId === null)).toBe(true);
    expect(progress.at(-1)).toMatchObject({ done: 4, failed: 1, total: 4, etaMs: 0 });
  });
});

describe('runInLanes with workers forked ahead (forkLaneWorkers)', () => {
  const ws = wineWorkspace();
  afterAll(() => ws.dispose());
  const logregJobs = (Cs: number[], track = false): LaneJob[] =>
    Cs.map((C, index) => ({
      key: String(index),
      kind: 'job',
      job: {
        index,
        sweep: 'mini',
        data: 'wine',
        model: 'logreg',
        overrides: [`model.C=${C}`],
        track,
        gitCommit: null,
      },
    }));

  it('feeds a worker while this lane\'s first fit still blocks the event loop, before its "ready" is read', async () => {
    const [worker] = forkLaneWorkers(ws.root, 1);
    let blockedUntil = 0;
    const results: LaneResult[] = [];
    await runInLanes({
      root: ws.root,
      jobs: logregJobs([0.5, 1, 2], true),
      parallel: 2,
      workers: [worker],
      runHere: async (job, signal) => {
        // A long synchronous fit: nothing from the worker is read meanwhile.
        if (blockedUntil === 0) {
          const end = Date.now() + 6000;
          while (Date.now() < end);
          blockedUntil = Date.now();
        }
        return runLaneJob(ws.root, job, signal);
      },
      onResult: (r) => results.push(r),
    });
    expect(results.map((r) => [r.key, r.ok]).sort()).toEqual([
      ['0', true],
      ['1', true],
      ['2', true],
    ]);
    const store = openStore({ root: ws.root, readonly: true });
    try {
      const started = results
        .filter((r) => r.key !== '0')
        .map((r) => store.getRun((r as { runId: string }).runId).info.startTime);
      // The worker loaded (about a second) and fitted both of its points during the block.
      expect(started.every((t) => t < blockedUntil)).toBe(true);
    } finally {
      store.close();
    }
  });

  it('runs here the jobs of a worker that died while loading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'cellar-dead-worker-'));
    try {
      writeFileSync(join(dir, 'dies.js'), 'process.exit(3);');
      const dying = fork(join(dir, 'dies.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const here: string[] = [];
      const results: LaneResult[] = [];
      await runInLanes({
        root: ws.root,
        jobs: logregJobs([0.5, 1, 2]),
        parallel: 2,
        workers: [dying],
        runHere: (job, signal) => {
          here.push(job.key);
          return runLaneJob(ws.root, job, signal);
        },
        onResult: (r) => results.push(r),
      });
      expect(here.sort()).toEqual(['0', '1', '2']);
      expect(results.map((r) => [r.key, r.ok]).sort()).toEqual([
        ['0', true],
        ['1', true],
        ['2', true],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('feeds workers whose "ready" came before anyone listened; a worker left without a job leaves', async () => {
    const workers = forkLaneWorkers(ws.root, 2);
    const exits = workers.map((w) => new Promise<number | null>((r) => w.once('exit', (code) => r(code))));
    // Time for the workers to load and say "ready" into channels that nothing reads yet.
    await new Promise((r) => setTimeout(r, 2500));
    const jobs = logregJobs([0.5, 1, 2]);
    const here: string[] = [];
    const results: LaneResult[] = [];
    await runInLanes({
      root: ws.root,
      jobs,
      parallel: 3,
      workers,
      // This lane waits, so that the first worker takes the two others (it holds two at a time).
      runHere: async (job, signal) => {
        here.push(job.key);
        await new Promise((r) => setTimeout(r, 1000));
        return runLaneJob(ws.root, job, signal);
      },
      onResult: (r) => results.push(r),
    });
    expect(here).toEqual(['0']);
    expect(results.map((r) => [r.key, r.ok]).sort()).toEqual([
      ['0', true],
      ['1', true],
      ['2', true],
    ]);
    // Both leave once let go: the one that fitted two points and the one that got none.
    expect(await Promise.all(exits)).toEqual([0, 0]);
  });
});
