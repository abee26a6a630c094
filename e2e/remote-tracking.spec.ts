// A real train and a real sweep (one worker process) logging to `cellar server` over the MLflow
// REST API because CELLAR_TRACKING_URI says so: the runs land on the server, none in the workspace.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSweep } from '@cellar/config';
import { runSweep, trainPipeline } from '@cellar/pipeline';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '@cellar/tracking-ui';

const REPO_ROOT = path.resolve(__dirname, '..');
const WINE_CSV = path.join(REPO_ROOT, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');
const TOKEN = 'e2e-write-token-0123456789';
const ENV_KEYS = ['CELLAR_TRACKING_URI', 'CELLAR_TRACKING_TOKEN', 'CELLAR_TRACKING_WRITE_TOKENS'] as const;

let root: string;
let serverRoot: string;
let store: TrackingStore;
let server: UiServer;
const savedEnv: Record<string, string | undefined> = {};

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-remote-train-'));
  fs.cpSync(path.join(REPO_ROOT, 'configs'), path.join(root, 'configs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data/external'), { recursive: true });
  fs.copyFileSync(
    path.join(REPO_ROOT, 'data/external/WineQT.csv.dvc'),
    path.join(root, 'data/external/WineQT.csv.dvc'),
  );
  fs.copyFileSync(WINE_CSV, path.join(root, 'data/external/WineQT.csv'));
  fs.mkdirSync(path.join(root, 'apps/wine-logreg'), { recursive: true });
  fs.writeFileSync(path.join(root, 'apps/wine-logreg/pipeline.yaml'), 'model: logreg\n');
  fs.writeFileSync(
    path.join(root, 'configs/sweep/tiny.yaml'),
    'metric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: 0.1,10\n',
  );
  serverRoot = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-remote-store-'));
  store = openStore({ root: serverRoot });
  for (const key of ENV_KEYS) savedEnv[key] = process.env[key];
  process.env.CELLAR_TRACKING_WRITE_TOKENS = `e2e:${TOKEN}`;
  server = await startUiServer({ store, port: 0, writable: true });
  // What a user sets; the forked sweep worker inherits it.
  process.env.CELLAR_TRACKING_URI = server.url;
  process.env.CELLAR_TRACKING_TOKEN = TOKEN;
});
afterAll(async () => {
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
  await server?.close();
  store?.close();
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(serverRoot, { recursive: true, force: true });
});

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe('CELLAR_TRACKING_URI', () => {
  it('a real train logs its run, params, metrics and artifacts to the server', async () => {
    const r = await trainPipeline({
      root,
      project: 'wine-logreg',
      projectRoot: 'apps/wine-logreg',
      pipeline: 'apps/wine-logreg/pipeline.yaml',
    });
    expect(fs.existsSync(path.join(root, 'mlruns'))).toBe(false);
    const run = store.getRun(r.runId as string);
    expect(run.info).toMatchObject({
      experimentName: 'wine_quality',
      status: 'FINISHED',
      runName: `wine-logreg-${r.artifact.configHash.slice(0, 8)}`,
      configHash: r.artifact.configHash,
    });
    expect(run.params['model.C']).toBe('1');
    expect(run.metrics.accuracy).toBe(0.6157205240174672);
    expect(run.metrics.n_test).toBe(229);
    expect(run.tags).toMatchObject({ pipeline: 'wine-logreg', algorithm: 'logreg' });
    expect(run.artifacts.map((a) => a.path)).toEqual(['confusion_matrix.svg', 'metrics.json', 'model.json']);
    const model = run.artifacts.find((a) => a.path === 'model.json')!;
    expect(model.sha256).toBe(sha256(path.join(root, 'apps/wine-logreg/model.json')));
    expect(sha256(store.artifactFile(run.info.runId, 'model.json'))).toBe(model.sha256);
  }, 120_000);

  it('a sweep over two lanes (this process and a worker) logs every point to the server', async () => {
    const spec = loadSweep(root, 'tiny');
    const results = await runSweep({ root, spec, parallel: 2, track: true });
    expect(results.map((x) => x.ok)).toEqual([true, true]);
    const ids = results.map((x) => (x.ok ? x.runId : null));
    const runs = store.searchRuns({ filter: "tags.sweep = 'tiny'" }).runs;
    expect(runs.map((x) => x.info.runId).sort()).toEqual([...ids].sort());
    expect(runs.map((x) => x.params['model.C']).sort()).toEqual(['0.1', '10']);
    expect(runs.every((x) => x.info.status === 'FINISHED' && x.artifacts.length === 3)).toBe(true);
    expect(fs.existsSync(path.join(root, 'mlruns'))).toBe(false);
  }, 180_000);
});
