import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../data-error';
import { md5File } from '../md5';
import { dataStatus, pullData, pushData } from '../sync';
import { EXAMPLE_REMOTE, WINE_MD5, wineWorkspace } from '../test-utils';

let server: http.Server;
let baseUrl: string;
const requests: string[] = [];

/** A plain static file server over a DVC remote folder, as nginx would serve it. */
function serveDir(dir: string): http.Server {
  return http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname).replace(/^\/dvc\//, '');
    const file = path.join(dir, rel);
    if (!file.startsWith(dir + path.sep) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-length': fs.statSync(file).size });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
}

beforeAll(async () => {
  server = serveDir(EXAMPLE_REMOTE);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/dvc`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('http remote', () => {
  it('pulls over HTTP, md5-exact, and reports status', async () => {
    const root = wineWorkspace();
    const res = await pullData({ root, remote: `${baseUrl}/`, env: {} });
    expect(res.map((r) => r.status)).toEqual(['fetched']);
    expect(await md5File(path.join(root, 'data/external/WineQT.csv'))).toBe(WINE_MD5);
    expect(requests).toContain(`GET /dvc/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb`);
    const status = await dataStatus({ root, remote: baseUrl, env: {} });
    expect(status.remote).toEqual({ name: baseUrl, url: baseUrl, kind: 'http', source: 'option' });
    expect(status.files.map((f) => [f.workspace, f.remote])).toEqual([['in sync', 'in sync']]);
  });

  it('is read-only and reports missing objects', async () => {
    const root = wineWorkspace({ 'data/new.csv': 'a\n1\n', 'data/new.csv.dvc': '' });
    fs.writeFileSync(
      path.join(root, 'data/new.csv.dvc'),
      `outs:\n- md5: ${await md5File(path.join(root, 'data/new.csv'))}\n  size: 4\n  hash: md5\n  path: new.csv\n`,
    );
    const err = await pushData({ root, remote: baseUrl, env: {}, pointers: ['data/new.csv.dvc'] }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).code).toBe('READ_ONLY_REMOTE');
    expect((err as DataError).message).toMatch(
      /^remote '.*' \(http:\/\/127\.0\.0\.1:\d+\/dvc\) is a read-only remote \(http\)/,
    );
    fs.rmSync(path.join(root, 'data/new.csv'));
    const missing = await pullData({ root, remote: baseUrl, env: {}, pointers: ['data/new.csv'] }).catch(
      (e: unknown) => e,
    );
    expect((missing as DataError).code).toBe('OBJECT_NOT_FOUND');
  });

  it('names the remote when the server is down', async () => {
    const dead = http.createServer();
    await new Promise<void>((resolve) => dead.listen(0, '127.0.0.1', resolve));
    const port = (dead.address() as AddressInfo).port;
    await new Promise<void>((resolve) => dead.close(() => resolve()));
    const root = wineWorkspace();
    const err = await pullData({ root, remote: `http://127.0.0.1:${port}`, env: {} }).catch(
      (e: unknown) => e,
    );
    expect((err as DataError).message).toBe(
      `cannot reach remote 'http://127.0.0.1:${port}' (http://127.0.0.1:${port}): connect ECONNREFUSED 127.0.0.1:${port}; check the URL and network`,
    );
    expect(fs.readdirSync(path.join(root, 'data/external'))).toEqual(['WineQT.csv.dvc']);
  });
});
