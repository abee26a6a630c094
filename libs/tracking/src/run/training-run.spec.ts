import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingError } from '../errors';
import { openStore } from '../store/store';
import { firstLine, REPO_ROOT, spawnChild, waitForExit } from '../testing/child-process';
import { detectGitCommit, trainingRun } from './training-run';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-run-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('trainingRun', () => {
  it('logs what fn returns, ends FINISHED and removes its signal handlers', async () => {
    const root = tempRoot();
    fs.writeFileSync(path.join(root, 'model.json'), '{"w":[1,2]}');
    const listeners = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    let during: number[] = [];
    const { run, result } = await trainingRun(
      {
        storeOptions: { root },
        experiment: 'wine',
        runName: 'logreg-1',
        tags: { stage: 'train' },
        gitCommit: 'abc123',
        configHash: 'cfg',
        dataMd5: 'md5',
      },
      async (active) => {
        during = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
        active.logMetrics({ loss: 0.9 }, 1);
        active.logMetrics({ loss: 0.4 }, 2);
        return {
          params: { 'model.C': 1.5, 'model.penalty': 'l2' },
          metrics: { accuracy: 0.625 },
          tags: { algorithm: 'logreg' },
          artifacts: [path.join(root, 'model.json')],
          extra: 7,
        };
      },
    );
    expect(during).toEqual([listeners[0] + 1, listeners[1] + 1]);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(listeners);
    expect(result.extra).toBe(7);
    expect(run.info).toMatchObject({
      runName: 'logreg-1',
      status: 'FINISHED',
      experimentName: 'wine',
      gitCommit: 'abc123',
      configHash: 'cfg',
      dataMd5: 'md5',
      error: null,
    });
    expect(run.params).toEqual({ 'model.C': '1.5', 'model.penalty': 'l2' });
    expect(run.metrics).toEqual({ accuracy: 0.625, loss: 0.4 });
    expect(run.tags).toEqual({ stage: 'train', algorithm: 'logreg' });
    expect(run.artifacts.map((a) => [a.path, a.size])).toEqual([['model.json', 11]]);
  });

  it('ends FAILED with the error message and rethrows', async () => {
    const root = tempRoot();
    const store = openStore({ root });
    let runId = '';
    await expect(
      trainingRun({ store, experiment: 'wine', gitCommit: null }, async (run) => {
        runId = run.runId;
        run.logParams({ 'model.C': '2' });
        throw new Error('model.C must be > 0 (got -1)\nsecond line');
      }),
    ).rejects.toThrow('model.C must be > 0 (got -1)');
    const run = store.getRun(runId);
    expect(run.info.status).toBe('FAILED');
    expect(run.info.error).toBe('model.C must be > 0 (got -1)');
    expect(run.params).toEqual({ 'model.C': '2' });
    store.close();
  });

  it('ends KILLED, not FAILED, when fn fails after the caller aborted its signal (a stopped sweep lane)', async () => {
    const root = tempRoot();
    const store = openStore({ root });
    const abort = new AbortController();
    let runId = '';
    await expect(
      trainingRun({ store, experiment: 'wine', gitCommit: null, signal: abort.signal }, async (run) => {
        runId = run.runId;
        abort.abort();
        throw new Error('random_forest fit interrupted');
      }),
    ).rejects.toThrow('fit interrupted');
    const run = store.getRun(runId);
    expect(run.info.status).toBe('KILLED');
    expect(run.info.error).toBe('interrupted');
    store.close();
  });

  it('a failing artifact copy fails the run but keeps what was logged', async () => {
    const root = tempRoot();
    const store = openStore({ root });
    await expect(
      trainingRun({ store, experiment: 'wine', runName: 'missing', gitCommit: null }, async () => ({
        metrics: { accuracy: 0.5 },
        artifacts: ['nope.json'],
      })),
    ).rejects.toThrow(TrackingError);
    const run = store.getRun('missing');
    expect(run.info.status).toBe('FAILED');
    expect(run.info.error).toBe(`artifact source 'nope.json' of run ${run.info.runId} does not exist`);
    expect(run.metrics).toEqual({ accuracy: 0.5 });
    store.close();
  });

  it('SIGTERM during the run ends it KILLED and the process dies of SIGTERM', async () => {
    const root = tempRoot();
    const child = spawnChild(['training-hang', root]);
    const exited = waitForExit(child);
    const runId = await firstLine(child);
    child.kill('SIGTERM');
    const exit = await exited;
    expect({ code: exit.code, signal: exit.signal }).toEqual({ code: null, signal: 'SIGTERM' });
    expect(exit.stdout).not.toContain('finished');
    const store = openStore({ root, readonly: true });
    const run = store.getRun(runId);
    expect(run.info).toMatchObject({ status: 'KILLED', error: 'killed by SIGTERM', runName: 'sigterm' });
    expect(run.metrics).toEqual({ accuracy: 0.25 });
    store.close();
  }, 30_000);

  it('detects the git commit of a checkout and gives null elsewhere', () => {
    expect(detectGitCommit(REPO_ROOT, {})).toMatch(/^[0-9a-f]{40}$/);
    expect(detectGitCommit(tempRoot(), {})).toBeNull();
  });

  it('takes the commit from CELLAR_GIT_COMMIT where there is no .git (images, CI artifacts)', () => {
    expect(detectGitCommit(tempRoot(), { CELLAR_GIT_COMMIT: 'abc1234def' })).toBe('abc1234def');
    expect(detectGitCommit(REPO_ROOT, { CELLAR_GIT_COMMIT: 'not a commit' })).toBeNull();
  });
});
