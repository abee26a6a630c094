import * as fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../data-error';
import { md5File } from '../md5';
import { addData, dataStatus, pullData, pushData } from '../sync';
import { makeTempDir, makeWorkspace, WINE_CSV, WINE_MD5, wineWorkspace } from '../test-utils';

// s3rver is CommonJS without types.
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => {
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
};

let server: InstanceType<typeof S3rver>;
let storage: string;
let env: Record<string, string>;

beforeAll(async () => {
  storage = makeTempDir('cellar-s3rver-');
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: storage,
    silent: true,
    configureBuckets: [{ name: 'cellar' }],
  });
  const { port } = await server.run();
  env = {
    CELLAR_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    AWS_ACCESS_KEY_ID: 'S3RVER',
    AWS_SECRET_ACCESS_KEY: 'S3RVER',
    AWS_REGION: 'us-east-1',
  };
});

afterAll(async () => {
  await server.close();
});

describe('s3 remote (s3rver)', () => {
  it('round-trips push -> pull through a bucket prefix, md5-exact', async () => {
    const remote = 's3://cellar/team/dvc';
    const src = makeWorkspace({ 'data/raw/wine.csv': fs.readFileSync(WINE_CSV) });
    await addData({ root: src, file: 'data/raw/wine.csv' });
    expect((await dataStatus({ root: src, remote, env })).files[0]).toMatchObject({
      workspace: 'in sync',
      remote: 'new',
    });
    expect((await pushData({ root: src, remote, env }))[0].status).toBe('uploaded');
    expect((await pushData({ root: src, remote, env }))[0].status).toBe('up-to-date');
    expect((await dataStatus({ root: src, remote, env })).files[0].remote).toBe('in sync');

    const dest = makeWorkspace();
    fs.cpSync(path.join(src, 'data/raw/wine.csv.dvc'), path.join(dest, 'data/raw/wine.csv.dvc'));
    expect((await pullData({ root: dest, remote, env }))[0].status).toBe('fetched');
    expect(await md5File(path.join(dest, 'data/raw/wine.csv'))).toBe(WINE_MD5);
  });

  it('round-trips a folder pointer: files and the .dir listing under the prefix', async () => {
    const remote = 's3://cellar/folders';
    const src = makeWorkspace({
      'data/set/a.csv': 'a\n1\n',
      'data/set/deep/b.csv': fs.readFileSync(WINE_CSV),
    });
    const added = await addData({ root: src, file: 'data/set', push: true, remote, env });
    expect(added).toMatchObject({ nfiles: 2, pushed: true });
    const { S3Remote } = await import('./s3-remote');
    const store = new S3Remote('s3', remote, {
      endpoint: env.CELLAR_S3_ENDPOINT,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    expect(added.md5).toMatch(/^[0-9a-f]{32}\.dir$/);
    expect(await store.has(added.md5)).toBe(true);
    expect(await store.has(await md5File(path.join(src, 'data/set/a.csv')))).toBe(true);
    expect((await pushData({ root: src, remote, env }))[0]).toMatchObject({
      status: 'up-to-date',
      uploaded: 0,
    });
    const dest = makeWorkspace();
    fs.cpSync(path.join(src, 'data/set.dvc'), path.join(dest, 'data/set.dvc'));
    expect((await pullData({ root: dest, remote, env }))[0]).toMatchObject({
      status: 'fetched',
      downloaded: 3,
    });
    expect(await md5File(path.join(dest, 'data/set/deep/b.csv'))).toBe(WINE_MD5);
    expect(fs.readFileSync(path.join(dest, 'data/set/a.csv'), 'utf8')).toBe('a\n1\n');
  });

  it('catches a corrupt object on pull even though s3rver does not check Content-MD5 on upload', async () => {
    // Store the WineQT md5 key with other bytes, straight through a remote whose put trusts the caller's md5.
    const bogus = path.join(makeTempDir(), 'bogus.csv');
    fs.writeFileSync(bogus, 'not the wine data\n');
    const { S3Remote } = await import('./s3-remote');
    await new S3Remote('s3', 's3://cellar/corrupt', {
      endpoint: env.CELLAR_S3_ENDPOINT,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }).put(WINE_MD5, bogus);
    const root = wineWorkspace();
    const err = (await pullData({ root, remote: 's3://cellar/corrupt', env }).catch(
      (e: unknown) => e,
    )) as DataError;
    expect(err.message).toBe(
      `md5 mismatch for data/external/WineQT.csv from remote 's3://cellar/corrupt': expected ${WINE_MD5}, got ${await md5File(bogus)}; the remote object is corrupt`,
    );
    expect(fs.readdirSync(path.join(root, 'data/external'))).toEqual(['WineQT.csv.dvc']);
  });

  it('names the bucket problem', async () => {
    const err = (await pullData({ root: wineWorkspace(), remote: 's3://no-such-bucket/x', env }).catch(
      (e: unknown) => e,
    )) as DataError;
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toBe(
      "remote 's3://no-such-bucket/x' (s3://no-such-bucket/x): bucket 'no-such-bucket' does not exist; create it or fix the URL",
    );
  });
});
