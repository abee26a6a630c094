import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TrackingError } from '../errors';
import { mountTmpfs, remountReadOnly, tmpfsUnavailable, unmount } from '../testing/tmpfs';
import { SCHEMA_VERSION } from './schema';
import { SyncPgClient } from './pg-sync';
import { openStore } from './store';
import { testBackends } from './test-backends';

const dirs: string[] = [];
function tempRoot(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-store-'));
  dirs.push(dir);
  return dir;
}
const backends = testBackends();
afterAll(() => {
  dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true }));
  backends.forEach((b) => b.cleanup());
});

function thrown(fn: () => unknown): TrackingError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrackingError);
    return err as TrackingError;
  }
  throw new Error('expected a TrackingError');
}

const noTmpfs = tmpfsUnavailable(tempRoot());

describe('store basics', () => {
  it('creates mlruns/cellar.db under the root, with WAL and the current schema version', () => {
    const root = tempRoot();
    const store = openStore({ root });
    expect(store.dbPath).toBe(path.join(root, 'mlruns', 'cellar.db'));
    expect(store.artifactRoot).toBe(path.join(root, 'mlruns', 'artifacts'));
    store.close();
    const db = new Database(path.join(root, 'mlruns', 'cellar.db'), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    db.close();
  });

  it('takes paths from options first, then CELLAR_TRACKING_DB / CELLAR_ARTIFACT_ROOT', () => {
    const root = tempRoot();
    const saved = { db: process.env.CELLAR_TRACKING_DB, art: process.env.CELLAR_ARTIFACT_ROOT };
    process.env.CELLAR_TRACKING_DB = 'env/track.db';
    process.env.CELLAR_ARTIFACT_ROOT = 'env-artifacts';
    try {
      const fromEnv = openStore({ root });
      expect([fromEnv.dbPath, fromEnv.artifactRoot]).toEqual([
        path.join(root, 'env/track.db'),
        path.join(root, 'env-artifacts'),
      ]);
      fromEnv.close();
      const explicit = openStore({ root, dbPath: 'x/y.db', artifactRoot: '/tmp/cellar-arts' });
      expect([explicit.dbPath, explicit.artifactRoot]).toEqual([
        path.join(root, 'x/y.db'),
        '/tmp/cellar-arts',
      ]);
      explicit.close();
    } finally {
      for (const [k, v] of [
        ['CELLAR_TRACKING_DB', saved.db],
        ['CELLAR_ARTIFACT_ROOT', saved.art],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });
});

/** Rows in a table, read beside the store (not through it). */
function countRows(backend: string, dbPath: string, table: string): number {
  if (backend === 'sqlite') {
    const db = new Database(dbPath, { readonly: true });
    try {
      return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new SyncPgClient(dbPath);
  try {
    return client.query(`SELECT count(*) AS n FROM ${table}`).rows[0].n as number;
  } finally {
    client.close();
  }
}

describe.each(backends)('store on $name', (b) => {
  it('experiments, runs, params, metrics, tags, artifacts round-trip', () => {
    const root = tempRoot();
    const { opts } = b.fresh(root);
    const store = openStore(opts);
    expect(store.getOrCreateExperiment('wine')).toMatchObject({ id: 1, name: 'wine', runCount: 0 });
    expect(store.getOrCreateExperiment('wine').id).toBe(1);
    const run = store.createRun({
      experiment: 'wine',
      runName: 'rf',
      tags: { algorithm: 'random_forest' },
      gitCommit: 'c0ffee',
      configHash: 'h',
      dataMd5: 'd',
    });
    expect(run.runId).toMatch(/^[0-9a-f]{32}$/);
    expect(run).toMatchObject({
      experimentId: 1,
      experimentName: 'wine',
      runName: 'rf',
      status: 'RUNNING',
      endTime: null,
      gitCommit: 'c0ffee',
      configHash: 'h',
      dataMd5: 'd',
      error: null,
    });
    store.logParams(run.runId, {
      'model.C': '1.0',
      'model.n_estimators': 50,
      'model.bootstrap': true,
      'model.max_depth': null,
    });
    store.logParams(run.runId, { 'model.C': '1.0' }); // same value: no-op
    store.logMetrics(run.runId, { accuracy: 0.625, 'f1 macro': 0.5, nan: NaN });
    store.setTags(run.runId, { algorithm: 'rf', note: 'first' });
    fs.writeFileSync(path.join(root, 'cm.csv'), 'a,b\n1,2\n');
    expect(store.logArtifact(run.runId, 'cm.csv', 'plots/cm.csv')).toEqual({
      path: 'plots/cm.csv',
      size: 8,
      sha256: '492d5ea496056f1a6a6592241032fab764c321596317930b4fa0e1e8bc3b7470',
    });
    const file = store.artifactFile(run.runId, 'plots/cm.csv');
    expect(file).toBe(path.join(root, 'mlruns', 'artifacts', 'wine', run.runId, 'plots', 'cm.csv'));
    expect(fs.readFileSync(file, 'utf8')).toBe('a,b\n1,2\n');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['cm.csv']); // no temp files left
    store.endRun(run.runId, 'FINISHED');

    const detail = store.getRun(run.runId);
    expect(detail.info.status).toBe('FINISHED');
    expect(detail.info.endTime).toBeGreaterThanOrEqual(detail.info.startTime);
    expect(detail.params).toEqual({
      'model.C': '1.0',
      'model.n_estimators': '50',
      'model.bootstrap': 'true',
      'model.max_depth': 'null',
    });
    expect(detail.metrics).toEqual({ accuracy: 0.625, 'f1 macro': 0.5, nan: NaN });
    expect(detail.tags).toEqual({ algorithm: 'rf', note: 'first' });
    expect(detail.artifacts).toHaveLength(1);
    expect(store.listExperiments()).toEqual([
      { id: 1, name: 'wine', createdAt: expect.any(Number), runCount: 1 },
    ]);
    expect(store.listParamKeys()).toEqual([
      'model.C',
      'model.bootstrap',
      'model.max_depth',
      'model.n_estimators',
    ]);
    expect(store.listMetricKeys(['wine'])).toEqual(['accuracy', 'f1 macro', 'nan']);
    expect(store.listTagKeys(['other'])).toEqual([]);
    store.close();
  });

  it('params are immutable: another value is an error and nothing of that batch is written', () => {
    const store = openStore(b.fresh(tempRoot()).opts);
    const run = store.createRun({ experiment: 'wine' });
    store.logParams(run.runId, { 'model.C': '1.0' });
    const err = thrown(() => store.logParams(run.runId, { 'train.seed': 1, 'model.C': 2 }));
    expect(err.code).toBe('PARAM_IMMUTABLE');
    expect(err.message).toBe(
      `param 'model.C' of run ${run.runId} is already '1.0'; params are immutable (got '2')`,
    );
    expect(store.getRun(run.runId).params).toEqual({ 'model.C': '1.0' });
    store.close();
  });

  it('the latest metric is the one with the highest step, then the newest write', () => {
    const store = openStore(b.fresh(tempRoot()).opts);
    const run = store.createRun({ experiment: 'wine' });
    store.logMetrics(run.runId, { loss: 0.5 }, 2);
    store.logMetrics(run.runId, { loss: 0.9 }, 1); // older step logged later: not latest
    expect(store.getRun(run.runId).metrics.loss).toBe(0.5);
    store.logMetrics(run.runId, { loss: 0.3 }, 2); // same step, newer write
    expect(store.getRun(run.runId).metrics.loss).toBe(0.3);
    store.logMetrics(run.runId, { loss: 0.4 }, 3);
    expect(store.getRun(run.runId).metrics.loss).toBe(0.4);
    expect(store.searchRuns({ filter: 'metrics.loss = 0.4' }).total).toBe(1);
    expect(store.searchRuns({ filter: 'metrics.loss = 0.9' }).total).toBe(0);
    expect(thrown(() => store.logMetrics(run.runId, { loss: '1' as unknown as number })).message).toBe(
      `metric 'loss' of run ${run.runId} must be a number (got "1")`,
    );
    expect(thrown(() => store.logMetrics(run.runId, { loss: 1 }, 1.5)).code).toBe('INVALID_VALUE');
    store.close();
  });

  it('finds runs by unique id prefix or name, and names ambiguous or unknown ones', () => {
    const { opts, display } = b.fresh(tempRoot());
    const store = openStore(opts);
    const ids = Array.from(
      { length: 40 },
      (_, i) => store.createRun({ experiment: 'wine', runName: `r${i}` }).runId,
    );
    const first = ids[0];
    expect(store.getRun(first.slice(0, 12)).info.runId).toBe(first);
    expect(store.getRun(first.toUpperCase()).info.runId).toBe(first);
    expect(store.getRun('r7').info.runId).toBe(ids[7]);
    // 40 ids over 16 first digits: some first digit is shared.
    const shared = ids.find((id) => ids.filter((other) => other[0] === id[0]).length > 1)!;
    const ambiguous = thrown(() => store.getRun(shared[0]));
    expect(ambiguous.code).toBe('AMBIGUOUS_RUN');
    expect(ambiguous.message).toMatch(
      new RegExp(
        `^run '${shared[0]}' is ambiguous in ${display.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(matches .+\\); give more characters of the id$`,
      ),
    );
    const missing = thrown(() => store.getRun('abc'.repeat(11)));
    expect(missing.code).toBe('RUN_NOT_FOUND');
    expect(thrown(() => store.getRun('zzz')).message).toBe(`run 'zzz' not found in ${display}`);
    expect(thrown(() => store.logParams('nope', { a: 1 })).message).toBe(
      `run 'nope' not found in ${display}`,
    );
    expect(thrown(() => store.endRun('nope', 'FINISHED')).code).toBe('RUN_NOT_FOUND');
    store.close();
  });

  it('rejects artifact names and experiment names that could escape their folders', () => {
    const root = tempRoot();
    const { opts } = b.fresh(root);
    const store = openStore(opts);
    const run = store.createRun({ experiment: 'wine' });
    fs.writeFileSync(path.join(root, 'a.txt'), 'x');
    for (const bad of ['../a.txt', 'x/../../a.txt', '/etc/passwd', 'a//b', './a', '', 'C:\\x']) {
      expect(thrown(() => store.logArtifact(run.runId, 'a.txt', bad)).code).toBe('INVALID_NAME');
    }
    expect(thrown(() => store.artifactFile(run.runId, '../../cellar.db')).message).toBe(
      "artifact name '../../cellar.db' must be a relative path inside the run's artifact folder (no '..', '.', empty or absolute parts)",
    );
    expect(thrown(() => store.artifactFile(run.runId, 'a.txt')).message).toBe(
      `artifact 'a.txt' not found in run ${run.runId}`,
    );
    expect(thrown(() => store.logArtifact(run.runId, 'missing.txt')).message).toBe(
      `artifact source 'missing.txt' of run ${run.runId} does not exist`,
    );
    for (const bad of ['../x', 'a/b', '..', ' pad', ''])
      expect(thrown(() => store.createRun({ experiment: bad })).code).toBe('INVALID_NAME');
    store.close();
  });

  it('gc removes old FAILED/KILLED runs and their artifact folders; dry run removes nothing', () => {
    const root = tempRoot();
    const { opts } = b.fresh(root);
    const store = openStore(opts);
    fs.writeFileSync(path.join(root, 'big.bin'), Buffer.alloc(1000));
    const make = (name: string, status: 'FINISHED' | 'FAILED' | 'KILLED') => {
      const run = store.createRun({ experiment: 'wine', runName: name });
      store.logMetrics(run.runId, { accuracy: 0.5 });
      store.logArtifact(run.runId, 'big.bin');
      store.endRun(run.runId, status, status === 'FINISHED' ? undefined : 'boom');
      return run.runId;
    };
    const ok = make('ok', 'FINISHED');
    const failed = make('failed', 'FAILED');
    const killed = make('killed', 'KILLED');
    expect(store.gc({ dryRun: true })).toEqual({ runs: [failed, killed], bytesFreed: 2000 });
    expect(store.searchRuns().total).toBe(3);
    expect(store.gc({ olderThan: 0 })).toEqual({ runs: [], bytesFreed: 0 });
    expect(store.gc({ statuses: ['FAILED'] })).toEqual({ runs: [failed], bytesFreed: 1000 });
    expect(fs.existsSync(path.join(store.artifactRoot, 'wine', failed))).toBe(false);
    expect(fs.existsSync(path.join(store.artifactRoot, 'wine', ok, 'big.bin'))).toBe(true);
    expect(store.gc({ olderThan: Date.now() + 1000 })).toEqual({ runs: [killed], bytesFreed: 1000 });
    expect(store.searchRuns().runs.map((r) => r.info.runName)).toEqual(['ok']);
    expect(store.listMetricKeys()).toEqual(['accuracy']);
    expect(countRows(b.name, store.dbPath, 'metrics')).toBe(1);
    store.close();
  });
});

describe('store failures', () => {
  it('a garbage file is not a Cellar tracking database', () => {
    const root = tempRoot();
    fs.mkdirSync(path.join(root, 'mlruns'));
    fs.writeFileSync(path.join(root, 'mlruns', 'cellar.db'), 'garbage '.repeat(600));
    for (const readonly of [false, true]) {
      const err = thrown(() => openStore({ root, readonly }));
      expect(err.code).toBe('NOT_A_DATABASE');
      expect(err.message).toBe('mlruns/cellar.db is not a Cellar tracking database (file is not a database)');
    }
  });

  it('another SQLite database is not taken over', () => {
    const root = tempRoot();
    const file = path.join(root, 'other.db');
    const db = new Database(file);
    db.exec('CREATE TABLE customers (id INTEGER)');
    db.close();
    expect(thrown(() => openStore({ root, dbPath: 'other.db' })).message).toBe(
      'other.db is not a Cellar tracking database (it has other tables: customers)',
    );
  });

  it('a database from a newer Cellar is refused', () => {
    const root = tempRoot();
    openStore({ root }).close();
    const db = new Database(path.join(root, 'mlruns', 'cellar.db'));
    db.pragma(`user_version = ${SCHEMA_VERSION + 3}`);
    db.close();
    expect(thrown(() => openStore({ root })).message).toBe(
      `mlruns/cellar.db has schema version ${SCHEMA_VERSION + 3} but this Cellar knows up to ${SCHEMA_VERSION}; upgrade Cellar to read it`,
    );
  });

  it('readonly stores refuse writes and a missing database', () => {
    const root = tempRoot();
    expect(thrown(() => openStore({ root, readonly: true })).message).toBe(
      'mlruns/cellar.db does not exist; no runs have been tracked yet',
    );
    const writer = openStore({ root });
    const run = writer.createRun({ experiment: 'wine', runName: 'a' });
    writer.close();
    const reader = openStore({ root, readonly: true });
    expect(reader.getRun('a').info.runId).toBe(run.runId);
    expect(thrown(() => reader.setTags(run.runId, { a: 'b' })).message).toBe(
      'mlruns/cellar.db was opened read-only; open the store without readonly to log',
    );
    reader.close();
  });

  it.skipIf(noTmpfs !== null)(
    `a database on a read-only mount gives a one-line error naming the path ${noTmpfs ?? ''}`,
    () => {
      const root = tempRoot();
      const mnt = path.join(root, 'mlruns');
      fs.mkdirSync(mnt);
      expect(mountTmpfs(mnt, '1m')).toBeNull();
      try {
        const writer = openStore({ root });
        const run = writer.createRun({ experiment: 'wine', runName: 'kept' });
        writer.logMetrics(run.runId, { accuracy: 0.75 });
        writer.endRun(run.runId, 'FINISHED');
        writer.close();
        remountReadOnly(mnt);
        const err = thrown(() => openStore({ root }));
        expect(err.code).toBe('READ_ONLY');
        expect(err.message).toBe(
          'mlruns/cellar.db is read-only; make it writable or open the store with readonly: true',
        );
        const reader = openStore({ root, readonly: true });
        expect(reader.getRun('kept').metrics).toEqual({ accuracy: 0.75 });
        reader.close();
      } finally {
        unmount(mnt);
      }
    },
  );

  it.skipIf(noTmpfs !== null)(
    `copying an artifact into a full disk fails in one line and keeps the run ${noTmpfs ?? ''}`,
    () => {
      const root = tempRoot();
      const mnt = path.join(root, 'artifacts');
      fs.mkdirSync(mnt);
      expect(mountTmpfs(mnt, '64k')).toBeNull();
      try {
        const store = openStore({ root, artifactRoot: 'artifacts' });
        const run = store.createRun({ experiment: 'wine', runName: 'full' });
        store.logParams(run.runId, { 'model.C': '1.0' });
        store.logMetrics(run.runId, { accuracy: 0.5 });
        fs.writeFileSync(path.join(root, 'small.json'), '{}');
        fs.writeFileSync(path.join(root, 'huge.bin'), Buffer.alloc(512 * 1024, 1));
        store.logArtifact(run.runId, 'small.json');
        const err = thrown(() => store.logArtifact(run.runId, 'huge.bin'));
        expect(err.code).toBe('DISK_FULL');
        expect(err.message).toBe(
          `cannot copy artifact 'huge.bin' of run ${run.runId} into artifacts/wine/${run.runId}: no space left on device (ENOSPC); free space and log it again`,
        );
        expect(fs.readdirSync(path.join(mnt, 'wine', run.runId))).toEqual(['small.json']);
        store.endRun(run.runId, 'FAILED', err.message);
        const detail = store.getRun(run.runId);
        expect(detail.params).toEqual({ 'model.C': '1.0' });
        expect(detail.metrics).toEqual({ accuracy: 0.5 });
        expect(detail.artifacts.map((a) => a.path)).toEqual(['small.json']);
        expect(detail.info.status).toBe('FAILED');
        store.close();
      } finally {
        unmount(mnt);
      }
    },
  );
});
