import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer } from '../server';
import { request } from '../testing/http-client';
import { S3Storage } from './s3-storage';

// s3rver has no types; it is a real S3 look-alike server (HTTP + XML) storing objects on disk.
const S3rver = require('s3rver') as new (o: Record<string, unknown>) => {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
};

const BUCKET = 'cellar-cache';
const CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };
const TOKENS = [
  { name: 'ci', token: 'rw-token-s3-0123456789', access: 'read-write' as const },
  { name: 'pr', token: 'ro-token-s3-0123456789', access: 'read' as const },
];

describe('S3 backend against s3rver', () => {
  let s3rver: InstanceType<typeof S3rver>;
  let endpoint: string;
  let client: S3Client;
  let server: CacheServer;
  let storage: S3Storage;

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-s3rver-'));
    s3rver = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory: dir });
    const { port } = await s3rver.run();
    endpoint = `http://127.0.0.1:${port}`;
    client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: CREDENTIALS });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
    storage = new S3Storage({ bucket: BUCKET, prefix: 'nx', endpoint, credentials: CREDENTIALS });
    server = await startCacheServer({ port: 0, storage, tokens: TOKENS, evictionIntervalMs: 0, log: false });
  });
  afterAll(async () => {
    await server?.close();
    client?.destroy();
    await s3rver?.close();
  });

  const keys = async () =>
    ((await client.send(new ListObjectsV2Command({ Bucket: BUCKET }))).Contents ?? [])
      .map((o) => o.Key)
      .sort();

  it('detects that s3rver ignores If-None-Match and falls back to HEAD-then-PUT', () => {
    expect(storage.conditionalWrites).toBe('head-then-put');
    expect(storage.description).toBe('s3://cellar-cache/nx/');
  });

  it('stores, serves and never overwrites entries', async () => {
    const body = Buffer.from('gzipped-tar-bytes');
    expect((await request(`${server.url}/v1/cache/123`, { token: TOKENS[1].token })).status).toBe(404);
    expect(
      (await request(`${server.url}/v1/cache/123`, { method: 'PUT', token: TOKENS[1].token, body })).status,
    ).toBe(403);
    expect(
      (await request(`${server.url}/v1/cache/123`, { method: 'PUT', token: TOKENS[0].token, body })).status,
    ).toBe(200);
    expect(
      (await request(`${server.url}/v1/cache/123`, { method: 'PUT', token: TOKENS[0].token, body: 'poison' }))
        .status,
    ).toBe(409);
    const hit = await request(`${server.url}/v1/cache/123`, { token: TOKENS[1].token });
    expect(hit.status).toBe(200);
    expect(hit.body.equals(body)).toBe(true);
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nx/123' }));
    expect(await stored.Body?.transformToString()).toBe('gzipped-tar-bytes');
    expect(await keys()).toEqual(['nx/123']);
  });

  it('rejects a commit that loses the race after the early check', async () => {
    // Simulates the second of two uploads reaching commit() after the first one finished.
    const spool = storage.spoolPath();
    fs.writeFileSync(spool, 'late');
    expect(await storage.commit('123', spool, 4)).toBe('exists');
    expect(fs.existsSync(spool)).toBe(false);
  });

  it('serialises concurrent commits of one hash in-process even without conditional writes', async () => {
    const spools = ['winner-a', 'winner-b'].map((text) => {
      const file = storage.spoolPath();
      fs.writeFileSync(file, text);
      return file;
    });
    const results = await Promise.all(spools.map((file) => storage.commit('300', file, 8)));
    expect([...results].sort()).toEqual(['created', 'exists']);
    const winner = results[0] === 'created' ? 'winner-a' : 'winner-b';
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nx/300' }));
    expect(await stored.Body?.transformToString()).toBe(winner);
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'nx/300' }));
  });

  it('evicts by size, oldest upload first', async () => {
    for (const h of ['200', '201']) {
      expect(
        (
          await request(`${server.url}/v1/cache/${h}`, {
            method: 'PUT',
            token: TOKENS[0].token,
            body: Buffer.alloc(100, 1),
          })
        ).status,
      ).toBe(200);
    }
    // 17 + 100 + 100 bytes against a 200-byte cap: one must go. S3 LastModified has 1 s resolution,
    // so which one depends on the clock; the totals do not.
    const report = await storage.evict({ maxSizeBytes: 200 });
    expect(report.removed).toBe(1);
    expect(report.removedBytes + report.keptBytes).toBe(217);
    expect(report.keptBytes).toBeLessThanOrEqual(200);
    expect(report.keptEntries).toBe(2);
    expect((await keys()).length).toBe(2);
    const expired = await storage.evict({ maxAgeMs: 60_000 }, Date.now() + 120_000);
    expect(expired).toMatchObject({ removed: 2, keptEntries: 0, keptBytes: 0 });
    expect(await keys()).toEqual([]);
  });
});
