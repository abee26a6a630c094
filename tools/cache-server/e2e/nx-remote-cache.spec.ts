import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, spawnServer, type ServerProcess } from './cache-server-process';
import { createNxWorkspace, type NxWorkspace } from './nx-workspace';

// Real Nx 23 in a throw-away workspace, talking to the real CLI server over the OpenAPI protocol.
const WRITE_TOKEN = 'ci-main-token-7f3a9c';
const READ_TOKEN = 'pr-token-51be02';

describe('Nx 23 against cellar-cache-server', () => {
  let ws: NxWorkspace;
  let workspace: string;
  let store: string;
  let server: ServerProcess | undefined;
  let url: string;

  const entries = () => fs.readdirSync(path.join(store, 'entries')).sort();
  const runs = () => ws.runs();
  const runNx = (token: string, cacheName: string) => ws.run(url, token, cacheName);
  const requests = () => (server?.logs ?? []).filter((l) => 'method' in l);

  beforeAll(async () => {
    ws = createNxWorkspace();
    workspace = ws.root;
    store = path.join(workspace, '..', `${path.basename(workspace)}-store`);
    server = await spawnServer(
      ['--storage', `dir:${store}`],
      cleanEnv({
        CELLAR_CACHE_WRITE_TOKENS: `ci-main:${WRITE_TOKEN}`,
        CELLAR_CACHE_READ_TOKENS: `pr:${READ_TOKEN}`,
      }),
      workspace,
    );
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
    if (ws) {
      ws.dispose();
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('uploads with a write token, restores with a read token, refuses a read token upload, aborts when down', async () => {
    // 1. main CI: miss, run, upload.
    const first = await runNx(WRITE_TOKEN, 'a');
    expect(first.code, first.output).toBe(0);
    expect(runs()).toBe(1);
    expect(entries()).toHaveLength(1);
    const [hash] = entries();
    expect(hash).toMatch(/^\d+$/);
    expect(requests().map((l) => [l.method, l.status, l.token])).toEqual([
      ['GET', 404, 'ci-main'],
      ['PUT', 200, 'ci-main'],
    ]);
    const stored = fs.readFileSync(path.join(store, 'entries', hash));
    expect(stored.subarray(0, 2).toString('hex')).toBe('1f8b'); // gzip

    // 2. a PR with a fresh local cache: restored from the remote, the command does not run.
    fs.rmSync(path.join(workspace, 'proj', 'out'), { recursive: true });
    const second = await runNx(READ_TOKEN, 'b');
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('[remote cache]');
    expect(runs()).toBe(1);
    expect(fs.readFileSync(path.join(workspace, 'proj', 'out', 'result.txt'), 'utf8')).toBe('built from v1');
    expect(requests().at(-1)).toMatchObject({
      method: 'GET',
      status: 200,
      token: 'pr',
      hash: hash.slice(0, 8),
    });

    // 3. a PR that misses: it runs, its upload is refused (403, Nx skips it silently), the store is unchanged.
    fs.writeFileSync(path.join(workspace, 'proj', 'src.txt'), 'v2-from-a-pr');
    const third = await runNx(READ_TOKEN, 'c');
    expect(third.code, third.output).toBe(0);
    expect(runs()).toBe(2);
    expect(
      requests()
        .slice(-2)
        .map((l) => [l.method, l.status, l.token]),
    ).toEqual([
      ['GET', 404, 'pr'],
      ['PUT', 403, 'pr'],
    ]);
    expect(entries()).toEqual([hash]);

    // 4. server down, fresh local cache: Nx 23.3.1 aborts (exit 1) without running the task.
    fs.writeFileSync(path.join(workspace, 'proj', 'src.txt'), 'v1');
    fs.rmSync(path.join(workspace, 'proj', 'out'), { recursive: true });
    expect(await server?.stop()).toBe(0);
    const fourth = await runNx(WRITE_TOKEN, 'd');
    expect(fourth.code).toBe(1);
    expect(fourth.output).toContain('Failed to send request');
    expect(runs()).toBe(2);
    expect(fs.existsSync(path.join(workspace, 'proj', 'out'))).toBe(false);
    // Storage holds exactly the one complete entry, byte for byte, and no partial upload.
    expect(entries()).toEqual([hash]);
    expect(fs.readFileSync(path.join(store, 'entries', hash)).equals(stored)).toBe(true);
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
  });
});
