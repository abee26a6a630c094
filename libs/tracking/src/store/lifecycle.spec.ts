// What the MLflow API needs from the store: migration 2 over an old database, soft delete,
// atomic batches, metric history, experiment rename with its artifacts.
import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingError } from '../errors';
import { MIGRATIONS } from './schema';
import { openStore } from './store';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-lifecycle-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe('MLflow-facing store operations', () => {
  it('migrates a version-1 database and keeps its runs active', () => {
    const root = tempRoot();
    fs.mkdirSync(path.join(root, 'mlruns'));
    const db = new Database(path.join(root, 'mlruns', 'cellar.db'));
    db.exec(MIGRATIONS[0]);
    db.pragma('user_version = 1');
    db.prepare(`INSERT INTO experiments (name, created_at) VALUES ('old', 5)`).run();
    db.prepare(
      `INSERT INTO runs (run_id, experiment_id, run_name, status, start_time) VALUES ('${'a'.repeat(32)}', 1, 'r', 'FINISHED', 7)`,
    ).run();
    db.close();
    const store = openStore({ root });
    try {
      expect(store.getRun('a'.repeat(32)).info).toMatchObject({ lifecycleStage: 'active', startTime: 7 });
      expect(store.getExperiment('old')).toMatchObject({
        id: 1,
        lifecycleStage: 'active',
        lastUpdateTime: 5,
        tags: {},
      });
    } finally {
      store.close();
    }
  });

  it('writes a batch whole or not at all, and keeps every step of a metric', () => {
    const store = openStore({ root: tempRoot() });
    try {
      const run = store.createRun({ experiment: 'e', trackProcess: false, startTime: 100 });
      store.logBatch(run.runId, {
        params: { C: '1' },
        metrics: [
          { key: 'loss', value: 0.5, step: 1, timestamp: 10 },
          { key: 'loss', value: 0.9, step: 0, timestamp: 20 },
          { key: 'loss', value: NaN, step: 2, timestamp: 5 },
        ],
        tags: { a: 'b' },
      });
      expect(() =>
        store.logBatch(run.runId, {
          metrics: [{ key: 'loss', value: 0.1, step: 3, timestamp: 30 }],
          params: { C: '2' },
        }),
      ).toThrow(TrackingError);
      expect(store.getMetricHistory(run.runId, 'loss').map((m) => [m.step, m.value])).toEqual([
        [0, 0.9],
        [1, 0.5],
        [2, NaN],
      ]);
      expect(store.latestMetrics([run.runId])[run.runId]).toEqual([
        { key: 'loss', value: NaN, step: 2, timestamp: 5 },
      ]);
      const info = store.getRun(run.runId).info;
      expect(info).toMatchObject({ startTime: 100, status: 'RUNNING' });
      expect(store.updateRun(run.runId, { status: 'FINISHED', endTime: 150 })).toMatchObject({
        status: 'FINISHED',
        endTime: 150,
      });
      store.deleteTag(run.runId, 'a');
      expect(store.getRun(run.runId).tags).toEqual({});
    } finally {
      store.close();
    }
  });

  it('soft-deletes runs with their experiment and brings them back', () => {
    const store = openStore({ root: tempRoot() });
    try {
      const exp = store.createExperiment('soft', { owner: 'ana' });
      expect(() => store.createExperiment('soft')).toThrow(/already exists/);
      const keep = store.createRun({ experimentId: exp.id, trackProcess: false });
      const gone = store.createRun({ experimentId: exp.id, trackProcess: false });
      store.setRunLifecycle(gone.runId, 'deleted');
      const ids = (lifecycle: 'active' | 'deleted' | 'all') =>
        store
          .searchRuns({ experimentIds: [exp.id], lifecycle })
          .runs.map((r) => r.info.runId)
          .sort();
      expect(ids('active')).toEqual([keep.runId]);
      expect(ids('deleted')).toEqual([gone.runId]);
      store.setExperimentLifecycle(exp.id, 'deleted');
      expect(ids('active')).toEqual([]);
      expect(store.searchExperiments().map((e) => e.name)).toEqual([]);
      store.setExperimentLifecycle(exp.id, 'active');
      expect(ids('active')).toEqual([keep.runId, gone.runId].sort());
      expect(store.getExperiment(exp.id).tags).toEqual({ owner: 'ana' });
    } finally {
      store.close();
    }
  });

  it('renames an experiment and moves its artifact folder with it', () => {
    const root = tempRoot();
    const store = openStore({ root });
    try {
      const run = store.createRun({ experiment: 'before' });
      fs.writeFileSync(path.join(root, 'm.txt'), 'model');
      store.logArtifact(run.runId, path.join(root, 'm.txt'));
      store.renameExperiment(run.experimentId, 'after');
      expect(fs.readFileSync(store.artifactFile(run.runId, 'm.txt'), 'utf8')).toBe('model');
      expect(store.artifactFile(run.runId, 'm.txt')).toContain(`${path.sep}after${path.sep}`);
    } finally {
      store.close();
    }
  });
});
