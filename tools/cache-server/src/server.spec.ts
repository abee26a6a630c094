import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CacheServerError } from './errors';
import { startCacheServer, type CacheServer, type LogRecord, type RequestLogRecord } from './server';
import { makeTarGz, nxArchive, storedEntry } from './testing/archives';
import { request, waitFor } from './testing/http-client';

const TOKENS = [
  { name: 'ci-main', token: 'rw-token-0123456789', access: 'read-write' as const },
  { name: 'pr', token: 'ro-token-0123456789', access: 'read' as const },
];
const MAX_BODY = 64 * 1024;

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cache-'));
}

function listFiles(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir).sort() : [];
}

/** A valid upload of about `bytes` bytes that gzip cannot shrink. */
function bigArchive(bytes: number): Promise<Buffer> {
  return makeTarGz([{ name: 'proj/out/blob.bin', body: randomBytes(bytes) }]);
}

describe('cache server over a directory', () => {
  let root: string;
  let server: CacheServer;
  const logs: LogRecord[] = [];
  const requestLogs = () => logs.filter((l): l is RequestLogRecord => 'method' in l);

  beforeAll(async () => {
    root = tmpDir();
    server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: path.join(root, 'store') },
      tokens: TOKENS,
      maxBodyBytes: MAX_BODY,
      evictionIntervalMs: 0,
      log: (r) => logs.push(r),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  const entries = () => listFiles(path.join(root, 'store', 'entries'));
  const spools = () => listFiles(path.join(root, 'store', 'tmp'));
  const put = (hash: string, body: Buffer | string, token = TOKENS[0].token) =>
    request(`${server.url}/v1/cache/${hash}`, { method: 'PUT', token, body });

  it('answers /healthz without auth', async () => {
    const res = await request(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString())).toEqual({ ok: true });
  });

  it('applies the token matrix', async () => {
    const stored = await nxArchive('stored-entry');
    const upload = await nxArchive('x');
    expect((await put('1000', stored)).status).toBe(200);
    const tokens: [string, string | undefined][] = [
      ['none', undefined],
      ['wrong', 'not-a-token'],
      ['read', TOKENS[1].token],
      ['read-write', TOKENS[0].token],
    ];
    const table: Record<string, number[]> = {};
    let fresh = 2000;
    for (const [label, token] of tokens) {
      const hit = await request(`${server.url}/v1/cache/1000`, { token });
      const miss = await request(`${server.url}/v1/cache/1999`, { token });
      const res = await request(`${server.url}/v1/cache/${fresh++}`, { method: 'PUT', token, body: upload });
      table[label] = [hit.status, miss.status, res.status];
      if (hit.status === 200) expect(hit.body.equals(stored)).toBe(true);
    }
    expect(table).toEqual({
      none: [401, 401, 401],
      wrong: [401, 401, 401],
      read: [200, 404, 403],
      'read-write': [200, 404, 200],
    });
    expect(entries()).toEqual(['1000', '2003']);
  });

  it('never overwrites an entry (409, bytes untouched)', async () => {
    const first = await nxArchive('first');
    expect((await put('3000', first)).status).toBe(200);
    expect((await put('3000', await nxArchive('second'))).status).toBe(409);
    const res = await request(`${server.url}/v1/cache/3000`, { token: TOKENS[1].token });
    expect(res.body.equals(first)).toBe(true);
    expect(res.headers['content-type']).toBe('application/octet-stream');
  });

  it('rejects traversal and invalid hashes with 400 and writes nothing outside the store', async () => {
    const before = entries();
    const outside = listFiles(root);
    for (const hash of ['..%2Fx', '../x', '..%2F..%2Fescape', 'a.b', 'x'.repeat(129), '%00', '']) {
      const status = await new Promise<number>((resolve, reject) => {
        // Raw request: URL normalisation in clients would hide `../`.
        const req = http.request(
          {
            host: '127.0.0.1',
            port: server.port,
            method: 'PUT',
            path: `/v1/cache/${hash}`,
            headers: { authorization: `Bearer ${TOKENS[0].token}` },
            agent: false,
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        );
        req.on('error', reject);
        req.end('evil');
      });
      expect(status, hash).toBe(400);
    }
    expect((await request(`${server.url}/v1/cache/..%2Fx`, { token: TOKENS[1].token })).status).toBe(400);
    expect(entries()).toEqual(before);
    expect(listFiles(root)).toEqual(outside);
    expect(fs.existsSync(path.join(root, 'store', 'x'))).toBe(false);
    expect(spools()).toEqual([]);
  });

  it('rejects an empty body', async () => {
    expect((await put('4000', '')).status).toBe(400);
    expect(entries()).not.toContain('4000');
  });

  it('answers 413 on a too large Content-Length before reading the body', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/v1/cache/5000`, {
        method: 'PUT',
        agent: false,
        headers: { authorization: `Bearer ${TOKENS[0].token}`, 'content-length': String(MAX_BODY + 1) },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      req.write(randomBytes(1024));
    });
    expect(status).toBe(413);
    expect(entries()).not.toContain('5000');
    expect(spools()).toEqual([]);
  });

  it('answers 413 on a chunked body over the limit and deletes the spool file', async () => {
    const body = await bigArchive(16 * MAX_BODY);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(`${server.url}/v1/cache/5001`, {
        method: 'PUT',
        agent: false,
        headers: { authorization: `Bearer ${TOKENS[0].token}`, 'transfer-encoding': 'chunked' },
      });
      let answered = false;
      let sent = 0;
      req.on('response', (res) => {
        answered = true;
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      // Past the limit the server answers and closes; a write can then fail (EPIPE) before the
      // answer is read. The request log below still shows what was answered.
      req.on('error', (err) => {
        if (answered) return;
        if (sent > MAX_BODY) resolve(-1);
        else reject(err);
      });
      const pump = () => {
        if (answered || sent >= body.length) return;
        req.write(body.subarray(sent, sent + 8192), () => setTimeout(pump, 1));
        sent += 8192;
      };
      pump();
    });
    expect([413, -1]).toContain(status);
    await waitFor(
      () => requestLogs().some((l) => l.status === 413 && l.hash === '5001'),
      3000,
      'the 413 log line',
    );
    expect(entries()).not.toContain('5001');
    await waitFor(() => spools().length === 0, 3000, 'spool cleanup');
  });

  it('lets exactly one of two concurrent PUTs win', async () => {
    const bodies = await Promise.all([bigArchive(48 * 1024), bigArchive(48 * 1024)]);
    const half = bodies[0].length / 2;
    const pending = bodies.map(
      (body) =>
        new Promise<{ status: number; body: Buffer }>((resolve, reject) => {
          const req = http.request(`${server.url}/v1/cache/6000`, {
            method: 'PUT',
            agent: false,
            headers: { authorization: `Bearer ${TOKENS[0].token}`, 'content-length': String(body.length) },
          });
          req.on('response', (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.write(body.subarray(0, half));
          // Finish only once both uploads are spooling, so both passed the early existence check.
          void waitFor(() => spools().length === 2, 5000, 'two spool files').then(
            () => req.end(body.subarray(half)),
            reject,
          );
        }),
    );
    const results = await Promise.all(pending);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results.find((r) => r.status === 200) as { body: Buffer };
    expect(
      fs.readFileSync(path.join(root, 'store', 'entries', '6000')).equals(storedEntry(winner.body)),
    ).toBe(true);
    await waitFor(() => spools().length === 0, 2000, 'spool cleanup');
  });

  it('leaves nothing behind when the client aborts an upload', async () => {
    const body = await bigArchive(40_000);
    await new Promise<void>((resolve, reject) => {
      const req = http.request(`${server.url}/v1/cache/7000`, {
        method: 'PUT',
        agent: false,
        headers: { authorization: `Bearer ${TOKENS[0].token}`, 'content-length': String(body.length) },
      });
      req.on('error', () => undefined);
      req.write(body.subarray(0, 20_000));
      waitFor(() => spools().length === 1, 5000, 'spool file').then(() => {
        req.destroy();
        resolve();
      }, reject);
    });
    await waitFor(
      () => requestLogs().some((l) => l.hash === '7000' && l.aborted === true),
      5000,
      'abort log',
    );
    await waitFor(() => spools().length === 0, 5000, 'spool cleanup');
    expect(entries()).not.toContain('7000');
    expect((await request(`${server.url}/v1/cache/7000`, { token: TOKENS[1].token })).status).toBe(404);
  });

  it('logs one JSON line per request with token names, never tokens', async () => {
    const lines = requestLogs();
    expect(lines.length).toBeGreaterThan(20);
    const text = JSON.stringify(logs);
    for (const t of TOKENS) expect(text).not.toContain(t.token);
    const stored = lines.find((l) => l.method === 'PUT' && l.hash === '3000' && l.status === 200);
    expect(stored).toMatchObject({
      method: 'PUT',
      path: '/v1/cache',
      hash: '3000',
      status: 200,
      bytes: (await nxArchive('first')).length,
      token: 'ci-main',
    });
    expect(typeof stored?.ms).toBe('number');
    const long = 'y'.repeat(40);
    await request(`${server.url}/v1/cache/${long}`, { token: TOKENS[1].token });
    expect(requestLogs().at(-1)).toMatchObject({ method: 'GET', hash: 'yyyyyyyy', status: 404, token: 'pr' });
  });
});

describe('eviction', () => {
  it('evicts the least recently used entries after a write once over --max-size', async () => {
    const root = tmpDir();
    // Same length for each: the archives differ in one character.
    const bodies = Object.fromEntries(
      await Promise.all(['1', '2', '3'].map(async (h) => [h, await nxArchive(h)])),
    );
    // On disk: the body and its sha256 footer; --max-size counts what is on disk.
    const size = storedEntry(bodies['1']).length;
    const server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: root },
      tokens: TOKENS,
      maxSizeBytes: 2.5 * size,
      evictionIntervalMs: 0,
      log: false,
    });
    try {
      const file = (h: string) => path.join(root, 'entries', h);
      const put = (h: string) =>
        request(`${server.url}/v1/cache/${h}`, {
          method: 'PUT',
          token: TOKENS[0].token,
          body: bodies[h],
        });
      const age = (h: string, secondsAgo: number) => {
        const t = new Date(Date.now() - secondsAgo * 1000);
        fs.utimesSync(file(h), t, t);
      };
      expect((await put('1')).status).toBe(200);
      age('1', 30);
      expect((await put('2')).status).toBe(200);
      age('2', 20);
      // Reading '1' makes '2' the least recently used.
      expect((await request(`${server.url}/v1/cache/1`, { token: TOKENS[1].token })).status).toBe(200);
      expect((await put('3')).status).toBe(200);
      const report = await server.evict();
      await waitFor(() => !fs.existsSync(file('2')), 3000, "eviction of '2'");
      expect(listFiles(path.join(root, 'entries'))).toEqual(['1', '3']);
      expect(report).toMatchObject({ keptEntries: 2, keptBytes: 2 * size });
    } finally {
      await server.close();
    }
  });

  it('evicts entries unused for longer than --max-age and stale spool files', async () => {
    const root = tmpDir();
    const events: LogRecord[] = [];
    const server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: root },
      tokens: TOKENS,
      maxAgeMs: 86_400_000,
      evictionIntervalMs: 0,
      log: (r) => events.push(r),
    });
    try {
      const bodies: Record<string, Buffer> = {};
      for (const h of ['old', 'new']) {
        bodies[h] = await nxArchive(h);
        expect(
          (
            await request(`${server.url}/v1/cache/${h}`, {
              method: 'PUT',
              token: TOKENS[0].token,
              body: bodies[h],
            })
          ).status,
        ).toBe(200);
      }
      const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
      fs.utimesSync(path.join(root, 'entries', 'old'), twoDaysAgo, twoDaysAgo);
      fs.writeFileSync(path.join(root, 'tmp', 'crashed-upload'), 'partial');
      fs.utimesSync(path.join(root, 'tmp', 'crashed-upload'), twoDaysAgo, twoDaysAgo);
      fs.writeFileSync(path.join(root, 'tmp', 'live-upload'), 'partial');
      // The run queued by the last PUT may be the one that removes 'old'; count over all runs.
      const report = await server.evict();
      expect(report).toMatchObject({ keptEntries: 1, keptBytes: storedEntry(bodies.new).length });
      const evicted = events.filter((e) => 'event' in e && e.event === 'evicted');
      expect(evicted).toHaveLength(1);
      expect(evicted[0]).toMatchObject({ removed: 1, removedBytes: storedEntry(bodies.old).length });
      expect(listFiles(path.join(root, 'entries'))).toEqual(['new']);
      expect(listFiles(path.join(root, 'tmp'))).toEqual(['live-upload']);
    } finally {
      await server.close();
    }
  });
});

describe('startup', () => {
  it('refuses to start without tokens unless --insecure-no-auth', async () => {
    const storage = { kind: 'dir' as const, path: tmpDir() };
    const attempt = startCacheServer({ port: 0, storage, tokens: [], log: false });
    await expect(attempt).rejects.toBeInstanceOf(CacheServerError);
    await expect(attempt).rejects.toMatchObject({ code: 'NO_TOKENS' });
    await expect(
      startCacheServer({ port: 0, storage, tokens: TOKENS, insecureNoAuth: true, log: false }),
    ).rejects.toMatchObject({ code: 'BAD_OPTION' });

    const open = await startCacheServer({ port: 0, storage, insecureNoAuth: true, log: false });
    const body = await nxArchive('anyone');
    try {
      expect((await request(`${open.url}/v1/cache/42`, { method: 'PUT', body })).status).toBe(200);
      expect((await request(`${open.url}/v1/cache/42`)).body.equals(body)).toBe(true);
    } finally {
      await open.close();
    }
  });
});

describe('storage failures', () => {
  it('answers a failing GET with 404 (Nx would abort on 5xx) and a failing PUT with 500, logging both', async () => {
    const root = tmpDir();
    const logs: LogRecord[] = [];
    const server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: root },
      tokens: TOKENS,
      evictionIntervalMs: 0,
      log: (r) => logs.push(r),
    });
    try {
      expect(
        (
          await request(`${server.url}/v1/cache/1`, {
            method: 'PUT',
            token: TOKENS[0].token,
            body: await nxArchive('x'),
          })
        ).status,
      ).toBe(200);
      // Break the store: entries/1 becomes a directory, and the spool folder tmp/ disappears.
      fs.rmSync(path.join(root, 'entries'), { recursive: true });
      fs.mkdirSync(path.join(root, 'entries', '1'), { recursive: true });
      fs.rmSync(path.join(root, 'tmp'), { recursive: true });
      expect((await request(`${server.url}/v1/cache/1`, { token: TOKENS[1].token })).status).toBe(404);
      expect(
        (
          await request(`${server.url}/v1/cache/2`, {
            method: 'PUT',
            token: TOKENS[0].token,
            body: await nxArchive('y'),
          })
        ).status,
      ).toBe(500);
      const failed = logs.filter((l): l is RequestLogRecord => 'method' in l && l.error !== undefined);
      expect(failed.map((l) => [l.method, l.status])).toEqual([
        ['GET', 404],
        ['PUT', 500],
      ]);
      expect(failed[1].error).toMatch(/ENOENT/);
    } finally {
      await server.close();
    }
  });
});
