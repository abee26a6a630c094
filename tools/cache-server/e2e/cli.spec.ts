import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { nxArchive, storedEntry } from '../src/testing/archives';
import { request } from '../src/testing/http-client';
import { BIN, cleanEnv, spawnServer } from './cache-server-process';

describe('cellar-cache-server CLI', () => {
  it('refuses to start without tokens, with a one-line error and exit code 2', () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cli-'));
    const run = spawnSync(process.execPath, [BIN, '--port', '0'], {
      cwd,
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'cellar-cache-server: no access tokens configured; pass --tokens <file>, set CELLAR_CACHE_READ_TOKENS / CELLAR_CACHE_WRITE_TOKENS, or start with --insecure-no-auth on a private network\n',
    );
    expect(fs.existsSync(path.join(cwd, '.cellar-cache'))).toBe(false);
  });

  it('rejects a bad size in one line', () => {
    const run = spawnSync(process.execPath, [BIN, '--insecure-no-auth', '--max-body', 'lots'], {
      env: cleanEnv(),
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^cellar-cache-server: --max-body: cannot read size 'lots'; [^\n]*\n$/);
  });

  it('serves with a tokens file and env tokens, logs JSON lines, stops on SIGTERM', async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cli-'));
    fs.writeFileSync(
      path.join(cwd, 'tokens.yaml'),
      'tokens:\n  - { name: ci-main, token: file-token-123, access: read-write }\n',
    );
    const server = await spawnServer(
      ['--tokens', 'tokens.yaml', '--storage', 'dir:store'],
      cleanEnv({ CELLAR_CACHE_READ_TOKENS: 'pr:env-token-456' }),
      cwd,
    );
    const body = await nxArchive('tgz');
    try {
      expect(server.logs[0]).toMatchObject({
        event: 'listening',
        storage: `dir:${fs.realpathSync(cwd)}/store`,
        auth: '2 tokens',
      });
      expect(
        (await request(`${server.url}/v1/cache/77`, { method: 'PUT', token: 'file-token-123', body })).status,
      ).toBe(200);
      expect(
        (await request(`${server.url}/v1/cache/77`, { method: 'PUT', token: 'env-token-456', body })).status,
      ).toBe(403);
      expect((await request(`${server.url}/v1/cache/77`, { token: 'env-token-456' })).body.equals(body)).toBe(
        true,
      );
      expect(fs.readFileSync(path.join(cwd, 'store', 'entries', '77')).equals(storedEntry(body))).toBe(true);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    const requests = server.logs.filter((l) => 'method' in l);
    expect(requests.map((l) => [l.method, l.status, l.token])).toEqual([
      ['PUT', 200, 'ci-main'],
      ['PUT', 403, 'pr'],
      ['GET', 200, 'pr'],
    ]);
    expect(JSON.stringify(server.logs)).not.toMatch(/file-token-123|env-token-456/);
  });
});
