// Two clones sharing one Cellar cache server: B gets every model from the remote cache and fits none.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer, type RequestLogRecord } from '@cellar/cache-server';
import { createTempWorkspace, type TempWorkspace } from './workspace';

const PIPELINES = ['wine-logreg', 'wine-random-forest', 'wine-gradient-boosting'];
const WRITE = 'write-token-for-main-ci';
const READ = 'read-token-for-pull-requests';

let server: CacheServer;
let storageDir: TempWorkspace;
let a: TempWorkspace;
let b: TempWorkspace;
const requests: RequestLogRecord[] = [];

beforeAll(async () => {
  storageDir = createTempWorkspace('cellar-cache-store-');
  server = await startCacheServer({
    port: 0,
    storage: { kind: 'dir', path: join(storageDir.root, 'cache') },
    tokens: [
      { name: 'main', token: WRITE, access: 'read-write' },
      { name: 'pr', token: READ, access: 'read' },
    ],
    log: (r) => {
      if ('method' in r) requests.push(r as RequestLogRecord);
    },
  });
  a = createTempWorkspace('cellar-clone-a-');
  b = createTempWorkspace('cellar-clone-b-');
});

afterAll(async () => {
  await server?.close();
  for (const ws of [a, b, storageDir]) ws?.dispose();
});

const remoteEnv = (token: string) => ({
  NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
  NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
});

describe('a shared remote cache across clones', () => {
  it('clone A computes everything and uploads train and evaluate with its write token', async () => {
    const r = await a.nxAsync(['run-many', '-t', 'notify', '--output-style=static'], remoteEnv(WRITE));
    expect(r.code, r.output).toBe(0);
    const puts = requests.filter((x) => x.method === 'PUT');
    expect(puts).toHaveLength(6); // 3 x train + 3 x evaluate; notify and pull are never cached
    expect(puts.every((x) => x.status === 200 && x.token === 'main')).toBe(true);
  });

  it('clone B, empty local cache and a read-only token, restores every model and fits none', async () => {
    requests.length = 0;
    const r = await b.nxAsync(['run-many', '-t', 'notify', '--output-style=static'], remoteEnv(READ));
    expect(r.code, r.output).toBe(0);
    for (const p of PIPELINES) {
      expect(r.output).toMatch(new RegExp(`nx run ${p}:train .*remote cache`));
      expect(r.output).toMatch(new RegExp(`nx run ${p}:evaluate .*remote cache`));
      for (const f of [
        'model.json',
        'metrics.json',
        'reports/metrics_detailed.json',
        'reports/confusion_matrix.svg',
      ]) {
        const file = `apps/${p}/${f}`;
        expect(readFileSync(join(b.root, file)).equals(readFileSync(join(a.root, file))), file).toBe(true);
      }
    }
    expect(requests.filter((x) => x.method === 'GET' && x.status === 200)).toHaveLength(6);
    expect(requests.filter((x) => x.method === 'PUT')).toHaveLength(0);
    // No training happened in B: its tracking store holds no runs.
    const runs = b.cellar(['runs', 'ls', '--json']);
    expect(runs.stderr).toContain('mlruns/cellar.db does not exist; no runs have been tracked yet');
    expect(existsSync(join(b.root, 'mlruns/cellar.db'))).toBe(false);
  });

  it('a read-only clone that computes something new cannot write it', async () => {
    requests.length = 0;
    const r = await b.nxAsync(
      ['run', 'wine-logreg:train', '--overrides=model.C=0.3', '--output-style=static'],
      remoteEnv(READ),
    );
    expect(r.code, r.output).toBe(0);
    const puts = requests.filter((x) => x.method === 'PUT');
    expect(puts.length).toBeGreaterThan(0);
    expect(puts.every((x) => x.status === 403 && x.token === 'pr')).toBe(true);
  });
});
