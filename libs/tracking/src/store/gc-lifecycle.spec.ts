// gc and soft delete: `deleted` purges exactly the runs deleted through the UI or the MLflow API.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('gc over soft-deleted runs', () => {
  it('with deleted: purges deleted runs of any status, keeps active ones, counts age from deletion', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-gc-life-'));
    dirs.push(root);
    const store = openStore({ root });
    try {
      fs.writeFileSync(path.join(root, 'blob.bin'), Buffer.alloc(1000));
      const make = (name: string, status: 'FINISHED' | 'FAILED') => {
        const r = store.createRun({ experiment: 'e', runName: name, startTime: 1000 });
        store.logArtifact(r.runId, path.join(root, 'blob.bin'));
        store.endRun(r.runId, status);
        return r.runId;
      };
      const deletedFinished = make('deleted-finished', 'FINISHED');
      const deletedFailed = make('deleted-failed', 'FAILED');
      const activeFailed = make('active-failed', 'FAILED');
      const activeFinished = make('active-finished', 'FINISHED');
      const before = Date.now();
      store.setRunLifecycle(deletedFinished, 'deleted');
      store.setRunLifecycle(deletedFailed, 'deleted');

      // deleted just now: not older than a time before the deletion
      expect(store.gc({ deleted: true, olderThan: before - 1 }).runs).toEqual([]);
      const dir = path.dirname(store.artifactFile(deletedFinished, 'blob.bin'));
      expect(store.gc({ deleted: true, dryRun: true })).toEqual({
        runs: [deletedFinished, deletedFailed],
        bytesFreed: 2000,
      });
      expect(store.gc({ deleted: true, statuses: ['FAILED'], dryRun: true }).runs).toEqual([deletedFailed]);
      expect(store.gc({ deleted: true }).runs).toEqual([deletedFinished, deletedFailed]);
      expect(fs.existsSync(dir)).toBe(false);
      const left = store.searchRuns({ lifecycle: 'all' }).runs.map((r) => r.info.runId);
      expect(left.sort()).toEqual([activeFailed, activeFinished].sort());
      // the status-based default is unchanged: it still takes the active FAILED run
      expect(store.gc({ dryRun: true }).runs).toEqual([activeFailed]);
    } finally {
      store.close();
    }
  });
});
