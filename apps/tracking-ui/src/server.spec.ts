import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type RunDetail, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type RunsPage, type UiServer } from './server';
import { seedRuns, type SeededRun } from './test-fixtures';
import { runKilledInChild } from './testing/dead-run';

type RunsBody = RunsPage;

/** Raw request: fetch would normalise `%2e%2e` segments before they reach the server. */
function rawGet(
  port: number,
  urlPath: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: urlPath, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
      })
      .on('error', reject);
  });
}

describe('tracking UI server API', () => {
  let dir: string;
  let store: TrackingStore;
  let server: UiServer;
  let seeded: SeededRun[];
  let other: SeededRun[];

  const get = async (p: string) => {
    const res = await fetch(new URL(p, server.url));
    return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
  };
  const runs = async (query: string) => {
    const res = await get(`/api/runs?${query}`);
    expect(res.status).toBe(200);
    return res.body as unknown as RunsBody;
  };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-api-'));
    store = openStore({
      root: dir,
      dbPath: path.join(dir, 'mlruns', 'tracking.db'),
      artifactRoot: path.join(dir, 'mlruns', 'artifacts'),
    });
    seeded = seedRuns(store, dir, 20, 'wine-quality');
    other = seedRuns(store, dir, 3, 'baseline');
    server = await startUiServer({ store, port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    store?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('binds 127.0.0.1 on a free port', () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
  });

  it('lists experiments with run counts', async () => {
    const { status, body } = await get('/api/experiments');
    expect(status).toBe(200);
    const exps = (body.experiments as { name: string; runCount: number }[])
      .map((e) => [e.name, e.runCount])
      .sort();
    expect(exps).toEqual([
      ['baseline', 3],
      ['wine-quality', 20],
    ]);
  });

  it('pages server-side with a stable total and no overlap', async () => {
    const ids: string[] = [];
    for (let offset = 0; offset < 21; offset += 7) {
      const page = await runs(
        `experiment=wine-quality&limit=7&offset=${offset}&order_by=${encodeURIComponent('attributes.run_name ASC')}`,
      );
      expect(page.total).toBe(20);
      expect(page.limit).toBe(7);
      expect(page.runs.length).toBe(offset === 14 ? 6 : 7);
      ids.push(...page.runs.map((r) => r.info.runId));
    }
    expect(ids).toEqual([...seeded].sort((a, b) => a.runName.localeCompare(b.runName)).map((r) => r.runId));
    const all = await runs('');
    expect(all.total).toBe(23);
    expect(all.runs.length).toBe(23);
    expect(all.limit).toBe(50);
  });

  it('returns the key lists for the column picker', async () => {
    const page = await runs('experiment=wine-quality&limit=1');
    expect(page.metricKeys).toEqual(['accuracy', 'f1_macro']);
    expect(page.paramKeys).toEqual(['C', 'model', 'n_estimators', 'n_neighbors', 'seed', 'test_size']);
    expect(page.tagKeys).toContain('algorithm');
  });

  it('filters with the search grammar', async () => {
    const filter =
      "metrics.accuracy > 0.6 and (tags.algorithm = 'logreg' or tags.algorithm = 'random_forest')";
    const page = await runs(`experiment=wine-quality&filter=${encodeURIComponent(filter)}`);
    const expected = seeded
      .filter((r) => r.metrics.accuracy > 0.6 && r.algorithm !== 'knn')
      .map((r) => r.runName);
    expect(expected.length).toBeGreaterThan(3);
    expect(page.total).toBe(expected.length);
    expect(page.runs.map((r) => r.info.runName).sort()).toEqual(expected.sort());
  });

  it('orders by a metric, missing values last', async () => {
    const page = await runs(
      `experiment=wine-quality&order_by=${encodeURIComponent('metrics.accuracy DESC')}`,
    );
    const withMetric = seeded
      .filter((r) => r.metrics.accuracy !== undefined)
      .sort((a, b) => b.metrics.accuracy - a.metrics.accuracy);
    const failed = seeded.filter((r) => r.metrics.accuracy === undefined);
    expect(page.runs.slice(0, withMetric.length).map((r) => r.info.runName)).toEqual(
      withMetric.map((r) => r.runName),
    );
    expect(new Set(page.runs.slice(withMetric.length).map((r) => r.info.runName))).toEqual(
      new Set(failed.map((r) => r.runName)),
    );
  });

  it('answers a bad filter with 400, the message and the column', async () => {
    const { status, body } = await get(
      `/api/runs?filter=${encodeURIComponent("metrics.accuracy > 0.6 annd tags.x = 'a'")}`,
    );
    expect(status).toBe(400);
    expect(body.column).toBe(24);
    expect(body.code).toBe('INVALID_FILTER');
    expect(body.error).toMatch(/column 24/);
  });

  it('answers a bad order_by and bad paging with 400', async () => {
    expect((await get(`/api/runs?order_by=${encodeURIComponent('metrics.accuracy SIDEWAYS')}`)).status).toBe(
      400,
    );
    const limit = await get('/api/runs?limit=0');
    expect(limit.status).toBe(400);
    expect(limit.body.error).toBe("query parameter limit must be an integer from 1 to 1000 (got '0')");
    expect((await get('/api/runs?offset=-3')).status).toBe(400);
  });

  it('returns one run by id or unique prefix, 404 for an unknown one', async () => {
    const run = seeded[4];
    const full = await get(`/api/runs/${run.runId}`);
    expect(full.status).toBe(200);
    const detail = full.body as unknown as RunDetail;
    expect(detail.info.runName).toBe(run.runName);
    expect(detail.params).toEqual(run.params);
    expect(detail.metrics).toEqual(run.metrics);
    expect(detail.tags.algorithm).toBe(run.algorithm);
    expect(detail.artifacts.map((a) => a.path)).toEqual(['reports/confusion_matrix.svg']);
    expect(((await get(`/api/runs/${run.runId.slice(0, 12)}`)).body as unknown as RunDetail).info.runId).toBe(
      run.runId,
    );

    const missing = await get('/api/runs/ffffffffffffffffffffffffffffffff');
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('RUN_NOT_FOUND');
    expect((await get('/api/nothing-here')).status).toBe(404);
  });

  it('streams an artifact byte for byte, as a download or inline image', async () => {
    const run = seeded[0];
    const expected = fs.readFileSync(path.join(dir, 'confusion_matrix.svg'));
    const url = new URL(`/api/runs/${run.runId}/artifacts/reports/confusion_matrix.svg`, server.url);
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml');
    expect(res.headers.get('content-disposition')).toBe(
      `attachment; filename="confusion_matrix.svg"; filename*=UTF-8''confusion_matrix.svg`,
    );
    expect(res.headers.get('content-length')).toBe(String(expected.length));
    expect(Buffer.from(await res.arrayBuffer()).equals(expected)).toBe(true);

    const inline = await fetch(`${url.href}?inline=1`);
    expect(inline.headers.get('content-disposition')).toMatch(/^inline; /);
    expect(inline.headers.get('content-security-policy')).toContain('sandbox');
    await inline.arrayBuffer();

    const etag = res.headers.get('etag') ?? '';
    expect(etag).toMatch(/^"[0-9a-f]{64}"$/);
    const cached = await fetch(url, { headers: { 'If-None-Match': etag } });
    expect(cached.status).toBe(304);
  });

  it('rejects path traversal and unknown artifacts', async () => {
    const id = seeded[0].runId;
    for (const p of [
      `/api/runs/${id}/artifacts/..%2f..%2f..%2fetc%2fpasswd`,
      `/api/runs/${id}/artifacts/reports/%2e%2e/%2e%2e/tracking.db`,
      `/api/runs/${id}/artifacts/reports/../../tracking.db`,
      `/api/runs/${id}/artifacts/%2Fetc%2Fpasswd`,
      `/api/runs/${id}/artifacts/reports%5c..%5c..%5cx`,
    ]) {
      const res = await rawGet(server.port, p);
      expect([400, 404], p).toContain(res.status);
      expect(res.body, p).not.toContain('root:');
      expect(JSON.parse(res.body).error, p).toEqual(expect.any(String));
    }
    const dotdot = await rawGet(server.port, `/api/runs/${id}/artifacts/reports/%2e%2e/x`);
    expect(dotdot.status).toBe(400);
    const missing = await rawGet(server.port, `/api/runs/${id}/artifacts/reports/model.json`);
    expect(missing.status).toBe(404);
    // A run that logged no artifacts cannot reach another run's files.
    const failed = seeded.find((r) => r.status === 'FAILED')!;
    expect(
      (await rawGet(server.port, `/api/runs/${failed.runId}/artifacts/reports/confusion_matrix.svg`)).status,
    ).toBe(404);
    expect(other.length).toBe(3);
  });

  it('refuses foreign Host headers on a loopback bind (DNS rebinding)', async () => {
    const evil = await rawGet(server.port, '/api/experiments', { Host: `evil.example:${server.port}` });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body).error).toBe(
      `host 'evil.example:${server.port}' is not allowed; open the UI at http://127.0.0.1:${server.port}/`,
    );
    expect((await rawGet(server.port, '/api/experiments', { Host: `localhost:${server.port}` })).status).toBe(
      200,
    );
  });

  it('serves the page with a strict CSP and refuses writes', async () => {
    const page = await fetch(server.url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await page.text()).toContain('<script src="/static/app.js" defer></script>');
    const js = await fetch(new URL('/static/app.js', server.url));
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(await js.text()).toContain('parallel-coords');
    expect((await fetch(new URL('/static/../server.ts', server.url))).status).toBe(404);
    const post = await fetch(new URL('/api/runs', server.url), { method: 'POST', body: '{}' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
  });
});

describe('UI server: settings, deleted runs and chart assets', () => {
  let dir: string;
  let store: TrackingStore;
  const servers: UiServer[] = [];
  const start = async (o: Parameters<typeof startUiServer>[0]) => {
    const s = await startUiServer({ store, port: 0, ...o });
    servers.push(s);
    return s;
  };

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-settings-'));
    store = openStore({ root: dir });
  });
  afterAll(async () => {
    for (const s of servers) await s.close();
    store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('tells the page it may edit only on a writable loopback server without tokens', async () => {
    const token = { read: [], write: [Buffer.alloc(32, 1)] };
    const cases: Array<[Parameters<typeof startUiServer>[0], boolean]> = [
      [{ writable: true, auth: { read: [], write: [] } }, true],
      [{ writable: false, auth: { read: [], write: [] } }, false],
      [{ writable: true, auth: token }, false],
    ];
    for (const [o, editable] of cases) {
      const s = await start(o);
      const body = (await (await fetch(`${s.url}api/settings`)).json()) as { editable: boolean };
      expect(body.editable, JSON.stringify(o)).toBe(editable);
    }
  });

  it('lists deleted runs apart from active ones, and refuses an unknown lifecycle', async () => {
    const seeded = seedRuns(store, dir, 6, 'life');
    store.setRunLifecycle(seeded[2].runId, 'deleted');
    const s = await start({ auth: { read: [], write: [] } });
    const ids = async (q: string) =>
      ((await (await fetch(`${s.url}api/runs?experiment=life&${q}`)).json()) as RunsPage).runs.map(
        (r) => r.info.runId,
      );
    expect(await ids('lifecycle=deleted')).toEqual([seeded[2].runId]);
    expect((await ids('')).sort()).toEqual(
      seeded
        .filter((_, i) => i !== 2)
        .map((r) => r.runId)
        .sort(),
    );
    expect((await ids('lifecycle=all')).length).toBe(6);
    const bad = await fetch(`${s.url}api/runs?lifecycle=gone`);
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toBe(
      "query parameter lifecycle must be active, deleted or all (got 'gone')",
    );
  });

  it('sends uPlot from node_modules, with the page’s CSP', async () => {
    const s = await start({ auth: { read: [], write: [] } });
    const css = await fetch(`${s.url}static/vendor/uplot.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(css.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(await css.text()).toBe(fs.readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8'));
    const page = await (await fetch(s.url)).text();
    expect(page).toContain('<script src="/static/vendor/uplot.js" defer></script>');
    expect(page).not.toMatch(/https?:\/\//);
  });
});

describe('startUiServer with its own store', () => {
  it('opens the store read-only from dbPath and closes it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-own-'));
    try {
      const dbPath = path.join(dir, 'tracking.db');
      const seedStore = openStore({ root: dir, dbPath });
      seedRuns(seedStore, dir, 4, 'solo');
      seedStore.close();
      const server = await startUiServer({ dbPath, root: dir, port: 0 });
      try {
        const res = await fetch(new URL('/api/runs', server.url));
        expect(((await res.json()) as RunsBody).total).toBe(4);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('answers a run whose process was SIGKILLed as KILLED and stale, in the list and alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-dead-'));
    try {
      const { runId, pid } = await runKilledInChild(dir);
      const server = await startUiServer({ root: dir, dbPath: path.join(dir, 'mlruns/cellar.db'), port: 0 });
      try {
        const expected = {
          runId,
          status: 'KILLED',
          stale: true,
          endTime: null,
          error: `process ${pid} on ${os.hostname()} ended without finishing the run`,
        };
        const list = (await (await fetch(new URL('/api/runs', server.url))).json()) as RunsBody;
        expect(list.runs[0].info).toMatchObject(expected);
        const one = (await (await fetch(new URL(`/api/runs/${runId}`, server.url))).json()) as RunDetail;
        expect(one.info).toMatchObject(expected);
      } finally {
        await server.close();
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  it('fails to start on a port that is taken', async () => {
    const blocker = http.createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-port-'));
    const store = openStore({ root: dir, dbPath: path.join(dir, 'tracking.db') });
    try {
      await expect(startUiServer({ store, port })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      store.close();
      blocker.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
