// Issue 8 item 2: one bad entry must not become a lasting outage. Every case the issue names is here.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer, type LogRecord, type RequestLogRecord } from './server';
import { makeTar, nxArchive, storedEntry, type TestEntry } from './testing/archives';
import { request, waitFor } from './testing/http-client';

const TOKENS = [
  { name: 'ci-main', token: 'rw-token-0123456789', access: 'read-write' as const },
  { name: 'pr', token: 'ro-token-0123456789', access: 'read' as const },
  { name: 'ops', token: 'admin-token-0123456789', access: 'admin' as const },
];
const [RW, RO, ADMIN] = TOKENS.map((t) => t.token);
const BIN = path.resolve(__dirname, '../bin/cellar-cache-server.js');

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const list = (dir: string) => (fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []);
const ok = (extra: TestEntry[] = []) => nxArchive('ok', extra);

describe('cache server security', () => {
  let root: string;
  let server: CacheServer;
  const logs: LogRecord[] = [];
  const requestLogs = () => logs.filter((l): l is RequestLogRecord => 'method' in l);
  const store = (...p: string[]) => path.join(root, 'store', ...p);
  const entries = () => list(store('entries'));
  const spools = () => list(store('tmp'));
  const quarantined = () => list(store('quarantine'));
  const put = (hash: string, body: Buffer | string, token = RW, chunked = false) =>
    request(`${server.url}/v1/cache/${hash}`, { method: 'PUT', token, body, chunked });
  const get = (hash: string, token = RO) => request(`${server.url}/v1/cache/${hash}`, { token });
  const del = (hash: string, token?: string) =>
    request(`${server.url}/v1/cache/${hash}`, { method: 'DELETE', token });
  const errorOf = (res: { body: Buffer }) => (JSON.parse(res.body.toString()) as { error: string }).error;

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cache-sec-'));
    server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: store() },
      tokens: TOKENS,
      evictionIntervalMs: 0,
      log: (r) => logs.push(r),
    });
  });
  afterAll(async () => {
    await server?.close();
  });

  describe('uploads are validated (400, nothing stored)', () => {
    let n = 100;
    // Each body twice: with a Content-Length under 2 MiB (received whole, then checked) and chunked
    // (checked while it streams): the same answer both ways.
    const rejects = async (body: Buffer, message: string) => {
      for (const chunked of [false, true]) {
        const hash = String(n++);
        const res = await put(hash, body, RW, chunked);
        expect(errorOf(res), chunked ? 'chunked' : 'whole').toBe(message);
        expect(res.status).toBe(400);
        expect(entries()).not.toContain(hash);
        await waitFor(() => spools().length === 0, 2000, 'spool cleanup');
        expect(requestLogs().at(-1)).toMatchObject({ method: 'PUT', status: 400, error: message });
      }
    };

    it('non-gzip body', () =>
      rejects(
        Buffer.from('hello, not gzip'),
        'not a gzip stream (starts with 68 65 6c 6c); upload the gzipped tar that Nx produces',
      ));
    it('gzip of something that is not a tar', () =>
      rejects(
        gzipSync(Buffer.alloc(2048, 'not a tar ')),
        'gzip content is not a tar archive; upload the gzipped tar that Nx produces',
      ));
    it('truncated gzip', async () => {
      const whole = await ok();
      await rejects(
        whole.subarray(0, whole.length - 12),
        'gzip stream ends early; the upload was cut off, retry it',
      );
    });
    it('gzip of an empty tar', async () =>
      rejects(
        gzipSync(await makeTar([])),
        "tar archive has no entries; Nx uploads at least 'terminalOutput' and 'code'",
      ));
    it("tar with '../x'", async () =>
      rejects(
        await ok([{ name: '../x', body: 'evil' }]),
        "tar entry '../x' has a '..' component; entries must stay inside the workspace",
      ));
    it("tar with 'proj/../../x'", async () =>
      rejects(
        await ok([{ name: 'proj/../../x', body: 'evil' }]),
        "tar entry 'proj/../../x' has a '..' component; entries must stay inside the workspace",
      ));
    it("tar with '/abs'", async () =>
      rejects(
        await ok([{ name: '/etc/cron.d/x', body: 'evil' }]),
        "tar entry '/etc/cron.d/x' is an absolute path; entries must be relative to the workspace root",
      ));
    it('symlink to an absolute path', async () =>
      rejects(
        await ok([{ name: 'proj/out/l', type: 'symlink', linkname: '/etc/passwd' }]),
        "tar entry 'proj/out/l' is a symlink to an absolute path ('/etc/passwd'); links must stay inside the workspace",
      ));
    it('symlink leading outside', async () =>
      rejects(
        await ok([{ name: 'proj/out/l', type: 'symlink', linkname: '../../../etc' }]),
        "tar entry 'proj/out/l' is a symlink to '../../../etc', which leads outside the workspace; links must stay inside the workspace",
      ));
    it('symlink stepping back out of another symlink', async () =>
      rejects(
        await ok([
          { name: 'proj/out/here', type: 'symlink', linkname: '../..' },
          { name: 'proj/out/l', type: 'symlink', linkname: 'here/..' },
        ]),
        "tar entry 'proj/out/l' is a symlink to 'here/..', which steps back out of the symlink 'proj/out/here'; links must stay inside the workspace",
      ));
    it('entry written through a symlink of the same archive', async () =>
      rejects(
        await ok([
          { name: 'proj/out/l', type: 'symlink', linkname: '.' },
          { name: 'proj/out/l/x', body: 'via link' },
        ]),
        "tar entry 'proj/out/l/x' lies below the symlink 'proj/out/l'; an archive must not write through its own links",
      ));
    it('hard link leading outside', async () =>
      rejects(
        await ok([{ name: 'proj/out/h', type: 'link', linkname: '../x' }]),
        "tar entry 'proj/out/h' is a hard link to '../x', not to a file stored earlier in this archive; hard links must name such a file",
      ));
    it('hard link to a workspace file that is not in the archive', async () =>
      rejects(
        await ok([{ name: 'proj/out/h', type: 'link', linkname: 'package.json' }]),
        "tar entry 'proj/out/h' is a hard link to 'package.json', not to a file stored earlier in this archive; hard links must name such a file",
      ));
    it('character device', async () =>
      rejects(
        await ok([{ name: 'proj/out/null', type: 'character-device' }]),
        "tar entry 'proj/out/null' is a character device; only files, directories and links are allowed",
      ));
    it('block device', async () =>
      rejects(
        await ok([{ name: 'proj/out/sda', type: 'block-device' }]),
        "tar entry 'proj/out/sda' is a block device; only files, directories and links are allowed",
      ));
    it('fifo', async () =>
      rejects(
        await ok([{ name: 'proj/out/pipe', type: 'fifo' }]),
        "tar entry 'proj/out/pipe' is a fifo; only files, directories and links are allowed",
      ));

    it('a folder whose declared content hides a header (readers disagree on skipping it)', async () => {
      const tarball = Buffer.from(await makeTar([{ name: 'proj/out', type: 'directory' }, { name: '../x' }]));
      tarball.write('00000001000\0', 124); // proj/out now "holds" the next 512 bytes: the '../x' header
      tarball.write('        ', 148);
      const sum = tarball.subarray(0, 512).reduce((a, b) => a + b, 0);
      tarball.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
      await rejects(
        gzipSync(tarball),
        "tar archive is corrupt (directory entry 'proj/out' has 512 bytes of content); upload the gzipped tar that Nx produces",
      );
    });

    it('accepts what Nx uploads, with links that stay inside', async () => {
      const body = await ok([
        { name: 'proj/out/link', type: 'symlink', linkname: 'result.txt' },
        { name: 'proj/out/up', type: 'symlink', linkname: '../src.txt' },
        { name: 'proj/out/same', type: 'link', linkname: 'proj/out/result.txt' },
      ]);
      expect((await put('900', body)).status).toBe(200);
      expect((await get('900')).body.equals(body)).toBe(true);
      expect((await put('902', body, RW, true)).status).toBe(200);
      expect((await get('902')).body.equals(body)).toBe(true);
    });

    it('checks an archive that inflates past 16 MiB without inflating it into one buffer', async () => {
      const zeros = { name: 'proj/out/zeros.bin', body: Buffer.alloc(20 * 1024 ** 2) };
      const good = await ok([zeros]);
      expect(good.length).toBeLessThan(2 * 1024 ** 2);
      expect((await put('903', good)).status).toBe(200);
      expect((await get('903')).body.equals(good)).toBe(true);
      await rejects(
        await ok([zeros, { name: '../late', body: 'evil' }]),
        "tar entry '../late' has a '..' component; entries must stay inside the workspace",
      );
    });

    it('rejects an upload too large to hold (over 2 MiB) at its first bad header, before the body is complete', async () => {
      const bad = await ok([{ name: '../x', body: 'evil' }]);
      const res = await new Promise<{ status: number; sentAll: boolean }>((resolve, reject) => {
        let sentAll = false;
        const req = http.request(`${server.url}/v1/cache/901`, {
          method: 'PUT',
          agent: false,
          headers: { authorization: `Bearer ${RW}`, 'content-length': String(bad.length + 3_000_000) },
        });
        req.on('response', (r) => {
          r.resume();
          resolve({ status: r.statusCode ?? 0, sentAll });
          req.destroy();
        });
        req.on('error', (err) => reject(err));
        req.write(bad, () => setTimeout(() => (sentAll = true), 5000).unref());
      });
      expect(res).toEqual({ status: 400, sentAll: false });
      await waitFor(() => spools().length === 0, 3000, 'spool cleanup');
      expect(entries()).not.toContain('901');
    });
  });

  describe('a sha256 per entry, verified on every GET', () => {
    it('records the sha256 of each stored entry in its footer, and serves the body without it', async () => {
      const body = await ok();
      expect((await put('1000', body)).status).toBe(200);
      const stored = fs.readFileSync(store('entries', '1000'));
      expect(stored.subarray(body.length).toString()).toBe(`CELLAR-SHA256 ${sha256(body)}\n`);
      expect(stored.equals(storedEntry(body))).toBe(true);
      expect(list(store('sums'))).not.toContain('1000');
      const res = await get('1000');
      expect(res.status).toBe(200);
      expect(res.body.equals(body)).toBe(true);
    });

    it('answers a flipped byte on disk with 404, quarantines the entry and logs it; a new PUT then stores a good one', async () => {
      const body = await nxArchive('flip me');
      expect((await put('1001', body)).status).toBe(200);
      const flipped = fs.readFileSync(store('entries', '1001'));
      flipped[body.length >> 1] ^= 0x01;
      fs.writeFileSync(store('entries', '1001'), flipped);

      const res = await get('1001');
      expect(res.status).toBe(404);
      expect(entries()).not.toContain('1001');
      const moved = quarantined().filter((f) => f.startsWith('1001.'));
      expect(moved.length).toBeGreaterThan(0);
      expect(moved.some((f) => fs.readFileSync(store('quarantine', f)).equals(flipped))).toBe(true);
      expect(logs).toContainEqual(
        expect.objectContaining({
          event: 'quarantined',
          hash: '1001',
          reason: expect.stringMatching(/sha256/),
        }),
      );
      expect(requestLogs().at(-1)).toMatchObject({ method: 'GET', status: 404, hash: '1001' });

      expect((await put('1001', body)).status).toBe(200);
      const again = await get('1001');
      expect(again.status).toBe(200);
      expect(again.body.equals(body)).toBe(true);
    });

    it('verifies an entry written before checksums existed on first GET and records its sha256', async () => {
      const body = await nxArchive('legacy');
      fs.writeFileSync(store('entries', '1002'), body);
      const res = await get('1002');
      expect(res.status).toBe(200);
      expect(res.body.equals(body)).toBe(true);
      expect(fs.readFileSync(store('sums', '1002'), 'utf8').trim()).toBe(sha256(body));
    });

    it('quarantines a poisoned entry written before validation existed', async () => {
      fs.writeFileSync(store('entries', '1003'), await ok([{ name: '../x', body: 'evil' }]));
      expect((await get('1003')).status).toBe(404);
      expect(entries()).not.toContain('1003');
      expect(quarantined().some((f) => f.startsWith('1003.'))).toBe(true);
      expect((await put('1003', await ok())).status).toBe(200);
    });
  });

  describe('DELETE /v1/cache/<hash>', () => {
    it('needs an admin token: read-write and read tokens get 403, none 401', async () => {
      expect((await put('2000', await ok())).status).toBe(200);
      expect((await del('2000')).status).toBe(401);
      const readOnly = await del('2000', RO);
      expect(readOnly.status).toBe(403);
      expect((await del('2000', RW)).status).toBe(403);
      expect(errorOf(readOnly)).toBe(
        "token 'pr' may not delete entries; DELETE needs a token with access: admin",
      );
      expect(entries()).toContain('2000');
    });

    it('removes the entry with an admin token, so a new PUT can store a good one', async () => {
      const res = await del('2000', ADMIN);
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body.toString())).toEqual({ deleted: true });
      expect(entries()).not.toContain('2000');
      expect(list(store('sums'))).not.toContain('2000');
      expect((await get('2000')).status).toBe(404);
      expect((await del('2000', ADMIN)).status).toBe(404);
      expect((await put('2000', await nxArchive('fresh'))).status).toBe(200);
      expect(
        requestLogs()
          .filter((l) => l.method === 'DELETE')
          .map((l) => [l.status, l.token]),
      ).toEqual([
        [401, undefined],
        [403, 'pr'],
        [403, 'ci-main'],
        [200, 'ops'],
        [404, 'ops'],
      ]);
    });

    it('lets an admin token read and write too', async () => {
      expect((await put('2001', await ok(), ADMIN)).status).toBe(200);
      expect((await get('2001', ADMIN)).status).toBe(200);
    });
  });

  describe('logs', () => {
    it('never log query strings', async () => {
      const secret = 'sekrit-query-token-42';
      for (const url of [
        `/healthz?access_token=${secret}`,
        `/v1/cache/1000?access_token=${secret}`,
        `/nowhere?access_token=${secret}`,
      ]) {
        const res = await request(`${server.url}${url}`, { token: RO });
        expect(res.body.toString()).not.toContain(secret);
      }
      expect(JSON.stringify(logs)).not.toContain(secret);
      expect(
        requestLogs()
          .slice(-3)
          .map((l) => l.path),
      ).toEqual(['/healthz', '/v1/cache', '/nowhere']);
    });
  });

  describe('server limits', () => {
    it('sets headersTimeout, requestTimeout, keepAliveTimeout and a connection cap explicitly', () => {
      const s = server.httpServer;
      expect([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout, s.maxConnections]).toEqual([
        30_000, 600_000, 5_000, 512,
      ]);
    });

    it('takes them as options and refuses connections over the cap', async () => {
      const limited = await startCacheServer({
        port: 0,
        storage: { kind: 'dir', path: path.join(root, 'limited') },
        tokens: TOKENS,
        evictionIntervalMs: 0,
        log: false,
        headersTimeoutMs: 2_000,
        requestTimeoutMs: 3_000,
        keepAliveTimeoutMs: 1_000,
        maxConnections: 1,
      });
      const sockets: net.Socket[] = [];
      try {
        const s = limited.httpServer;
        expect([s.headersTimeout, s.requestTimeout, s.keepAliveTimeout, s.maxConnections]).toEqual([
          2_000, 3_000, 1_000, 1,
        ]);
        const connect = () =>
          new Promise<net.Socket>((resolve) => {
            const socket = net.connect(limited.port, '127.0.0.1', () => resolve(socket));
            sockets.push(socket);
          });
        await connect();
        const second = await connect();
        await waitFor(() => second.destroyed || second.readableEnded, 3000, 'second connection cut');
      } finally {
        for (const s of sockets) s.destroy();
        await limited.close();
      }
    });
  });

  describe('purge command', () => {
    const purge = (...args: string[]) =>
      spawnSync(process.execPath, [BIN, 'purge', '--storage', `dir:${store()}`, ...args], {
        encoding: 'utf8',
        timeout: 30_000,
      });

    it('removes named entries, empties the quarantine and sweeps invalid entries', async () => {
      expect((await put('3000', await ok())).status).toBe(200);
      expect((await put('3001', await ok())).status).toBe(200);
      fs.writeFileSync(store('entries', '3002'), await ok([{ name: '/abs', body: 'evil' }]));

      const named = purge('3000', '3999');
      expect(named.stderr).toBe('');
      expect(named.stdout).toBe('removed 3000\n3999: no such entry\n');
      expect(named.status).toBe(0);
      expect(entries()).not.toContain('3000');
      expect(entries()).toContain('3001');

      const sweep = purge('--invalid');
      expect(sweep.status).toBe(0);
      expect(sweep.stdout).toContain(
        "quarantined 3002: tar entry '/abs' is an absolute path; entries must be relative to the workspace root\n",
      );
      expect(entries()).not.toContain('3002');
      expect(entries()).toContain('3001');

      expect(quarantined().length).toBeGreaterThan(0);
      const emptied = purge('--quarantine');
      expect(emptied.status).toBe(0);
      expect(emptied.stdout).toMatch(/^emptied the quarantine \(\d+ files?\)\n$/);
      expect(quarantined()).toEqual([]);
    });

    it('refuses an invalid hash in one line', () => {
      const run = purge('../etc');
      expect(run.status).toBe(2);
      expect(run.stderr).toBe(
        "cellar-cache-server: purge: '../etc' is not a cache hash (1-128 letters or digits)\n",
      );
    });
  });
});
