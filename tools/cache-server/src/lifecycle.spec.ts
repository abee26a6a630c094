// A process that starts a server (the bench, a test, a library user) must be able to exit once the
// server is closed: nothing the server or its upload validation started may hold the event loop.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, it } from 'vitest';

const repo = resolve(__dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'cellar-cache-life-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('exits by itself after server.close(), and not before the server is up', () => {
  const script = `
    const { startCacheServer } = require(${JSON.stringify(join(repo, 'tools/cache-server/src/index.ts'))});
    (async () => {
      const s = await startCacheServer({ port: 0, insecureNoAuth: true, storage: { kind: 'dir', path: ${JSON.stringify(dir)} }, log: () => undefined });
      const res = await fetch(s.url + '/healthz');
      await s.close();
      console.log('closed after healthz ' + res.status);
    })();`;
  const r = spawnSync(process.execPath, ['-r', join(repo, 'tools/dev/register.js'), '-e', script], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(r.signal, 'the process had to be killed: something kept it alive').toBeNull();
  expect(r.stdout.trim()).toBe('closed after healthz 200');
  expect(r.status).toBe(0);
}, 40_000);
