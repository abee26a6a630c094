import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, spawnChild, waitForExit } from '../testing/child-process';
import { openStore } from './store';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-tracking-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('many processes, one database', () => {
  it('16 processes logging 50 runs each give exactly 800 FINISHED runs', async () => {
    const root = tempRoot();
    const children = Array.from({ length: 16 }, () => waitForExit(spawnChild(['log-runs', root, '50'])));
    const exits = await Promise.all(children);
    for (const exit of exits)
      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });

    const store = openStore({ root });
    const all = store.searchRuns({ maxResults: 0 });
    expect(all.total).toBe(800);
    expect(store.searchRuns({ filter: "status = 'FINISHED'", maxResults: 0 }).total).toBe(800);
    expect(
      store.searchRuns({ filter: "metrics.log_loss = 49 and params.`model.C` = '4'", maxResults: 0 }).total,
    ).toBe(16);
    expect(store.listExperiments()).toEqual([
      expect.objectContaining({ name: 'concurrency', runCount: 800 }),
    ]);
    expect(store.listMetricKeys()).toEqual(['accuracy', 'f1_macro', 'log_loss']);
    const one = store.searchRuns({ filter: "tags.index = '7'", maxResults: 1 }).runs[0];
    expect(one.params['train.seed']).toBe('7');
    expect(one.metrics).toEqual({ accuracy: 7 / 50, f1_macro: 1 - 7 / 50, log_loss: 7 });
    store.close();
  }, 90_000);

  it('a run whose process was SIGKILLed is KILLED after the next openStore', async () => {
    const root = tempRoot();
    const child = spawnChild(['hang-run', root]);
    const exited = waitForExit(child);
    const runId = await firstLine(child);
    const before = openStore({ root, readonly: true });
    expect(before.getRun(runId).info.status).toBe('RUNNING');
    before.close();

    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    const store = openStore({ root });
    const run = store.getRun(runId);
    expect(run.info.status).toBe('KILLED');
    expect(run.info.error).toBe(`process ${child.pid} on ${os.hostname()} ended without finishing the run`);
    expect(run.info.endTime).toBeGreaterThanOrEqual(run.info.startTime);
    expect(run.params).toEqual({ 'model.C': '1.0' });
    store.close();
  }, 30_000);

  it('a SIGKILLed run reads as KILLED at once: marked by a writable store, stale in a read-only one', async () => {
    const root = tempRoot();
    const child = spawnChild(['hang-run', root]);
    const exited = waitForExit(child);
    const runId = await firstLine(child);
    // Opened while the child lives, as the UI server or a sweep keeps its store open.
    const reader = openStore({ root, readonly: true });
    const writer = openStore({ root });
    expect(reader.getRun(runId).info.status).toBe('RUNNING');
    child.kill('SIGKILL');
    expect((await exited).signal).toBe('SIGKILL');

    const error = `process ${child.pid} on ${os.hostname()} ended without finishing the run`;
    const stale = { status: 'KILLED', stale: true, endTime: null, error };
    expect(reader.getRun(runId).info).toMatchObject(stale);
    expect(reader.searchRuns().runs[0].info).toMatchObject(stale);
    const fresh = openStore({ root, readonly: true });
    expect(fresh.getRun(runId.slice(0, 8)).info).toMatchObject(stale);
    fresh.close();

    const marked = writer.searchRuns().runs[0].info;
    expect(marked).toMatchObject({ status: 'KILLED', error });
    expect(marked.stale).toBeUndefined();
    expect(marked.endTime).toBeGreaterThanOrEqual(marked.startTime);
    expect(reader.getRun(runId).info).toEqual(marked);
    expect(reader.searchRuns({ filter: "status = 'KILLED'" }).total).toBe(1);
    reader.close();
    writer.close();
  }, 30_000);
});
