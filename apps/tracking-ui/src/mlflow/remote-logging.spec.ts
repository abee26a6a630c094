// trainingRun logging to a real `cellar server` over the MLflow API (CELLAR_TRACKING_URI), and what
// happens when the server is missing, refuses the token, or goes away mid-run.
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openStore,
  remoteTrackingFromEnv,
  trainingRun,
  TrackingError,
  type TrackingStore,
} from '@cellar/tracking';
import { startUiServer, type UiServer } from '../server';
import { authFromEnv } from './auth';

const TOKEN = 'remote-write-token-123456';
let serverRoot: string;
let work: string;
let store: TrackingStore;
let server: UiServer;
let uri: string;
beforeAll(async () => {
  serverRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-remote-server-'));
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-remote-client-'));
  store = openStore({ root: serverRoot });
  server = await startUiServer({
    store,
    port: 0,
    writable: true,
    auth: authFromEnv({ CELLAR_TRACKING_WRITE_TOKENS: `ci:${TOKEN}` }),
  });
  uri = server.url.replace(/\/$/, '');
});
afterAll(async () => {
  await server.close();
  store.close();
  fs.rmSync(serverRoot, { recursive: true, force: true });
  fs.rmSync(work, { recursive: true, force: true });
});

async function thrown(p: Promise<unknown>): Promise<TrackingError> {
  const err = await p.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrackingError);
  return err as TrackingError;
}

describe('remote tracking URI from the environment', () => {
  it('reads CELLAR_ first, MLFLOW_ second, and leaves MLflow local paths alone', () => {
    expect(
      remoteTrackingFromEnv({
        CELLAR_TRACKING_URI: 'http://h:5000/',
        MLFLOW_TRACKING_URI: 'http://other:1',
        MLFLOW_TRACKING_TOKEN: 't1',
      }),
    ).toEqual({ uri: 'http://h:5000', token: 't1', source: 'CELLAR_TRACKING_URI' });
    expect(remoteTrackingFromEnv({ MLFLOW_TRACKING_URI: 'https://m.example/base' })).toEqual({
      uri: 'https://m.example/base',
      source: 'MLFLOW_TRACKING_URI',
    });
    expect(remoteTrackingFromEnv({ MLFLOW_TRACKING_URI: 'sqlite:///mlflow.db' })).toBeUndefined();
    expect(remoteTrackingFromEnv({})).toBeUndefined();
    expect(() => remoteTrackingFromEnv({ CELLAR_TRACKING_URI: 'mlruns/cellar.db' })).toThrow(
      "CELLAR_TRACKING_URI must be http(s)://host:port of a tracking server (got 'mlruns/cellar.db'); for a local database file set CELLAR_TRACKING_DB instead",
    );
    expect(() => remoteTrackingFromEnv({ CELLAR_TRACKING_URI: 'http://u:p@h:1' })).toThrow(
      /CELLAR_TRACKING_TOKEN/,
    );
  });
});

describe('trainingRun with a remote tracking server', () => {
  it('logs params, stepped metrics, tags and artifacts to the server, and nothing locally', async () => {
    fs.writeFileSync(path.join(work, 'model.json'), '{"w":[1,2,3]}');
    const { run, result } = await trainingRun(
      {
        remote: { uri, token: TOKEN, source: 'CELLAR_TRACKING_URI' },
        storeOptions: { root: work },
        experiment: 'remote-wine',
        runName: 'logreg-remote',
        tags: { stage: 'train' },
        gitCommit: 'a'.repeat(40),
        configHash: 'cfg123',
        dataMd5: 'md5abc',
      },
      async (active) => {
        expect(active.store).toBeUndefined();
        active.logMetrics({ loss: 0.9 }, 0);
        active.logMetrics({ loss: 0.4 }, 1);
        return {
          params: { 'model.C': 1.5, 'model.penalty': 'l2', seed: null },
          metrics: { accuracy: 0.625, nan_metric: NaN },
          artifacts: [path.join(work, 'model.json')],
          extra: 7,
        };
      },
    );
    expect(result.extra).toBe(7);
    expect(fs.existsSync(path.join(work, 'mlruns'))).toBe(false);
    const stored = store.getRun(run.info.runId);
    expect(stored.info).toMatchObject({
      runName: 'logreg-remote',
      experimentName: 'remote-wine',
      status: 'FINISHED',
      gitCommit: 'a'.repeat(40),
      configHash: 'cfg123',
      dataMd5: 'md5abc',
    });
    expect(stored.params).toEqual({ 'model.C': '1.5', 'model.penalty': 'l2', seed: 'null' });
    expect(stored.metrics.accuracy).toBe(0.625);
    expect(stored.metrics.nan_metric).toBeNaN();
    expect(store.getMetricHistory(run.info.runId, 'loss').map((m) => [m.step, m.value])).toEqual([
      [0, 0.9],
      [1, 0.4],
    ]);
    expect(stored.tags.stage).toBe('train');
    expect(stored.artifacts).toEqual(run.artifacts);
    expect(fs.readFileSync(store.artifactFile(run.info.runId, 'model.json'), 'utf8')).toBe('{"w":[1,2,3]}');
    // What trainingRun answers is the server's view of the run.
    expect(run.info).toMatchObject({
      status: 'FINISHED',
      configHash: 'cfg123',
      experimentName: 'remote-wine',
    });
    expect(run.params['model.C']).toBe('1.5');
  });

  it('records a throwing fn as FAILED with its error on the server', async () => {
    let runId = '';
    const err = await trainingRun(
      {
        remote: { uri, token: TOKEN, source: 'CELLAR_TRACKING_URI' },
        experiment: 'remote-wine',
        gitCommit: null,
      },
      async (active) => {
        runId = active.runId;
        throw new Error('diverged at epoch 3');
      },
    ).catch((e: Error) => e);
    expect((err as Error).message).toBe('diverged at epoch 3');
    const stored = store.getRun(runId);
    expect(stored.info.status).toBe('FAILED');
    expect(stored.tags['cellar.error']).toBe('diverged at epoch 3');
  });

  it('fails before training when the server is unreachable, naming it and the variable', async () => {
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    let called = false;
    const err = await thrown(
      trainingRun(
        {
          remote: { uri: `http://127.0.0.1:${port}`, source: 'CELLAR_TRACKING_URI' },
          experiment: 'x',
          gitCommit: null,
        },
        async () => {
          called = true;
          return {};
        },
      ),
    );
    expect(called).toBe(false);
    expect(err.code).toBe('REMOTE_UNREACHABLE');
    expect(err.message).toBe(
      `tracking server http://127.0.0.1:${port} (CELLAR_TRACKING_URI) is unreachable while looking up experiment 'x' (ECONNREFUSED); start it (cellar server) or unset CELLAR_TRACKING_URI to log locally`,
    );
  });

  it('without a write token: 401 named, and no run on the server', async () => {
    const before = store.searchRuns({ lifecycle: 'all' }).total;
    const err = await thrown(
      trainingRun(
        { remote: { uri, source: 'CELLAR_TRACKING_URI' }, experiment: 'remote-wine', gitCommit: null },
        async () => ({}),
      ),
    );
    expect(err.code).toBe('REMOTE_REJECTED');
    expect(err.message).toContain('HTTP 401 UNAUTHENTICATED');
    expect(err.message).toContain('set CELLAR_TRACKING_TOKEN to a write token of that server');
    expect(store.searchRuns({ lifecycle: 'all' }).total).toBe(before);
  });

  it('a server gone mid-run: the run fails with a clear error and no params or metrics half-logged', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-remote-dies-'));
    const own = openStore({ root: dir });
    const dying = await startUiServer({ store: own, port: 0, writable: true, auth: { read: [], write: [] } });
    let runId = '';
    try {
      const err = await thrown(
        trainingRun(
          {
            remote: { uri: dying.url.replace(/\/$/, ''), source: 'CELLAR_TRACKING_URI' },
            experiment: 'dies',
            gitCommit: null,
          },
          async (active) => {
            runId = active.runId;
            await dying.close();
            return { params: { a: 1 }, metrics: { accuracy: 0.5 } };
          },
        ),
      );
      expect(err.code).toBe('REMOTE_UNREACHABLE');
      expect(err.message).toMatch(
        /is unreachable while logging params, metrics and tags \((ECONNREFUSED|UND_ERR_SOCKET)\)/,
      );
      expect(err.message).toContain(`run ${runId} may stay RUNNING there; train again to log it`);
      const left = own.getRun(runId);
      expect(left.info.status).toBe('RUNNING');
      expect(left.params).toEqual({});
      expect(left.metrics).toEqual({});
    } finally {
      own.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
