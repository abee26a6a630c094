import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, spawnChild, waitForExit } from '../testing/child-process';
import { openStore } from './store';
import { testBackends } from './test-backends';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-tracking-'));
  dirs.push(dir);
  return dir;
}
const backends = testBackends();
afterAll(() => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  backends.forEach((b) => b.cleanup());
});

describe.each(backends)('many processes, one $name database', (b) => {
  // PostgreSQL costs a round trip per statement (about 1-2 ms here): fewer, shorter children.
  const [procs, count] = b.name === 'sqlite' ? [16, 50] : [8, 20];
  it(`${procs} processes logging ${count} runs each give exactly ${procs * count} FINISHED runs`, async () => {
    const root = tempRoot();
    const { opts } = b.fresh(root);
    // The children open the store of their root, or the PostgreSQL one CELLAR_TRACKING_DB names.
    const saved = process.env.CELLAR_TRACKING_DB;
    if (opts.uri !== undefined) process.env.CELLAR_TRACKING_DB = opts.uri;
    let exits: Awaited<ReturnType<typeof waitForExit>>[];
    try {
      exits = await Promise.all(
        Array.from({ length: procs }, () => waitForExit(spawnChild(['log-runs', root, String(count)]))),
      );
    } finally {
      if (saved === undefined) delete process.env.CELLAR_TRACKING_DB;
      else process.env.CELLAR_TRACKING_DB = saved;
    }
    for (const exit of exits)
      expect({ code: exit.code, stderr: exit.stderr }).toEqual({ code: 0, stderr: '' });

    const store = openStore(opts);
    const all = store.searchRuns({ maxResults: 0 });
    expect(all.total).toBe(procs * count);
    expect(store.searchRuns({ filter: "status = 'FINISHED'", maxResults: 0 }).total).toBe(procs * count);
    expect(
      store.searchRuns({
        filter: `metrics.log_loss = ${count - 1} and params.\`model.C\` = '${(count - 1) % 5}'`,
        maxResults: 0,
      }).total,
    ).toBe(procs);
    expect(store.listExperiments()).toEqual([
      expect.objectContaining({ name: 'concurrency', runCount: procs * count }),
    ]);
    expect(store.listMetricKeys()).toEqual(['accuracy', 'f1_macro', 'log_loss']);
    const one = store.searchRuns({ filter: "tags.index = '7'", maxResults: 1 }).runs[0];
    expect(one.params['train.seed']).toBe('7');
    expect(one.metrics).toEqual({ accuracy: 7 / count, f1_macro: 1 - 7 / count, log_loss: 7 });
    store.close();
  }, 90_000);
});

describe('many processes, one database', () => {
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
