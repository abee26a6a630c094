// Tokens and origins on the MLflow API, and two clones logging to one server at once.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '../server';
import { authFromEnv, parseTokenList } from './auth';

const READ = 'read-token-0123456789';
const WRITE_A = 'write-token-clone-a-0123';
const WRITE_B = 'write-token-clone-b-4567';
const REPO_ROOT = path.resolve(__dirname, '../../../..');
const CHILD = path.join(__dirname, '../testing/mlflow-writer-child.ts');

let root: string;
let store: TrackingStore;
let server: UiServer;
let api: string;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-mlflow-auth-'));
  store = openStore({ root });
  const auth = authFromEnv({
    CELLAR_TRACKING_READ_TOKENS: `ui:${READ}`,
    CELLAR_TRACKING_WRITE_TOKENS: `a:${WRITE_A},${WRITE_B}`,
  });
  server = await startUiServer({ store, port: 0, writable: true, auth });
  api = `${server.url}api/2.0/mlflow/`;
});
afterAll(async () => {
  await server.close();
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

function post(endpoint: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(api + endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

function runClone(experimentId: string, clone: string, token: string, writers: number, perWriter: number) {
  const child = spawn(
    process.execPath,
    [
      '-r',
      path.join(REPO_ROOT, 'tools/dev/register.js'),
      CHILD,
      server.url.replace(/\/$/, ''),
      experimentId,
      clone,
      String(writers),
      String(perWriter),
    ],
    {
      cwd: REPO_ROOT,
      env: { ...process.env, CELLAR_TRACKING_TOKEN: token },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise<string[]>((resolve, reject) =>
    child.on('close', (code) =>
      code === 0
        ? resolve(JSON.parse(out) as string[])
        : reject(new Error(`clone ${clone} exited ${code}: ${err}`)),
    ),
  );
}

describe('MLflow API auth', () => {
  it('lets a write token write; a read token gets 403, no token 401, a wrong one 401', async () => {
    const ok = await post('experiments/create', { name: 'tokens' }, bearer(WRITE_A));
    expect(ok.status).toBe(200);
    const { experiment_id } = (await ok.json()) as { experiment_id: string };
    const asReader = await post('runs/create', { experiment_id }, bearer(READ));
    expect(asReader.status).toBe(403);
    expect(await asReader.json()).toEqual({
      error_code: 'PERMISSION_DENIED',
      message: 'this token may only read; writing needs a write token',
    });
    expect((await post('runs/create', { experiment_id })).status).toBe(401);
    const wrong = await post('runs/create', { experiment_id }, bearer('not-a-token-at-all'));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error_code: string }).error_code).toBe('UNAUTHENTICATED');
    // Reads: a read or write token; nothing else. Search is a POST but reads.
    const read = await fetch(`${api}experiments/get?experiment_id=${experiment_id}`, {
      headers: bearer(READ),
    });
    expect(read.status).toBe(200);
    expect((await post('runs/search', { experiment_ids: [experiment_id] }, bearer(READ))).status).toBe(200);
    expect((await fetch(`${api}experiments/get?experiment_id=${experiment_id}`)).status).toBe(401);
    // The UI's own data routes are behind the same read tokens.
    expect((await fetch(`${server.url}api/runs`)).status).toBe(401);
    expect((await fetch(`${server.url}api/runs`, { headers: bearer(READ) })).status).toBe(200);
    expect(store.searchRuns().total).toBe(0);
  });

  it('refuses a cross-origin write even with a write token, and ignores cookies', async () => {
    const evil = await post(
      'experiments/create',
      { name: 'evil' },
      { ...bearer(WRITE_A), Origin: 'https://evil.example' },
    );
    expect(evil.status).toBe(403);
    expect(((await evil.json()) as { message: string }).message).toContain("origin 'https://evil.example'");
    const site = await post(
      'experiments/create',
      { name: 'evil2' },
      { ...bearer(WRITE_A), 'Sec-Fetch-Site': 'cross-site' },
    );
    expect(site.status).toBe(403);
    const cookie = await post('experiments/create', { name: 'evil3' }, { Cookie: `token=${WRITE_A}` });
    expect(cookie.status).toBe(401);
    const own = new URL(server.url).origin;
    expect(
      (await post('experiments/create', { name: 'same-origin' }, { ...bearer(WRITE_A), Origin: own })).status,
    ).toBe(200);
    expect(store.searchExperiments().map((e) => e.name)).not.toContain('evil');
    // Artifact uploads are writes too.
    const put = await fetch(
      `${server.url}api/2.0/mlflow-artifacts/artifacts/1/${'a'.repeat(32)}/artifacts/x.txt`,
      {
        method: 'PUT',
        body: 'x',
        headers: bearer(READ),
      },
    );
    expect(put.status).toBe(403);
  });

  it('two clones, 16 parallel writers with write tokens: no run and no value lost', async () => {
    const created = await post('experiments/create', { name: 'shared' }, bearer(WRITE_A));
    const { experiment_id } = (await created.json()) as { experiment_id: string };
    const [a, b] = await Promise.all([
      runClone(experiment_id, 'clone-a', WRITE_A, 8, 3),
      runClone(experiment_id, 'clone-b', WRITE_B, 8, 3),
    ]);
    expect(a).toHaveLength(24);
    expect(b).toHaveLength(24);
    const result = store.searchRuns({ experimentIds: [Number(experiment_id)] });
    expect(result.total).toBe(48);
    expect(new Set(result.runs.map((r) => r.info.runId))).toEqual(new Set([...a, ...b]));
    for (const run of result.runs) {
      expect(run.info.status).toBe('FINISHED');
      expect(Object.keys(run.params).sort()).toEqual(['clone', 'index', 'writer']);
      expect(store.getMetricHistory(run.info.runId, 'loss').map((m) => m.step)).toEqual([
        0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
      ]);
    }
    const names = new Set(result.runs.map((r) => r.info.runName));
    expect(names.size).toBe(48);
    expect(names).toContain('clone-b-w7-r2');
  }, 120_000);
});

describe('token lists and exposure', () => {
  it('refuses short tokens and keeps only digests', () => {
    expect(() => parseTokenList('CELLAR_TRACKING_WRITE_TOKENS', 'ci:short')).toThrow(
      'CELLAR_TRACKING_WRITE_TOKENS: entry 1 has a token of 5 characters; use at least 8 (e.g. openssl rand -hex 24)',
    );
    const [digest] = parseTokenList('X', `ci:${WRITE_A}`);
    expect(digest).toHaveLength(32);
    expect(digest.toString('utf8')).not.toContain(WRITE_A);
  });

  it('bound beyond loopback without write tokens, it refuses every write', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-mlflow-exposed-'));
    const own = openStore({ root: dir });
    const exposed = await startUiServer({
      store: own,
      host: '0.0.0.0',
      port: 0,
      writable: true,
      auth: { read: [], write: [] },
    });
    try {
      const res = await fetch(`http://127.0.0.1:${exposed.port}/api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        body: JSON.stringify({ name: 'open' }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toContain(
        'set CELLAR_TRACKING_WRITE_TOKENS',
      );
      const read = await fetch(`http://127.0.0.1:${exposed.port}/api/2.0/mlflow/experiments/search`);
      expect(read.status).toBe(200);
      expect(own.listExperiments()).toEqual([]);
    } finally {
      await exposed.close();
      own.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a read-only server (cellar ui) refuses writes with 403', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-mlflow-ro-'));
    openStore({ root: dir }).close();
    const ro = await startUiServer({ root: dir, port: 0, auth: { read: [], write: [] } });
    try {
      const res = await fetch(`${ro.url}api/2.0/mlflow/experiments/create`, {
        method: 'POST',
        body: '{"name":"x"}',
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toContain('read-only');
    } finally {
      await ro.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
