import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer } from '../server';
import { nxArchive } from '../testing/archives';
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
  { name: 'ops', token: 'admin-token-s3-0123456789', access: 'admin' as const },
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
    const body = await nxArchive('gzipped-tar-bytes');
    expect((await request(`${server.url}/v1/cache/123`, { token: TOKENS[1].token })).status).toBe(404);
    expect(
      (await request(`${server.url}/v1/cache/123`, { method: 'PUT', token: TOKENS[1].token, body })).status,
    ).toBe(403);
    expect(
      (await request(`${server.url}/v1/cache/123`, { method: 'PUT', token: TOKENS[0].token, body })).status,
    ).toBe(200);
    expect(
      (
        await request(`${server.url}/v1/cache/123`, {
          method: 'PUT',
          token: TOKENS[0].token,
          body: await nxArchive('poison'),
        })
      ).status,
    ).toBe(409);
    const hit = await request(`${server.url}/v1/cache/123`, { token: TOKENS[1].token });
    expect(hit.status).toBe(200);
    expect(hit.body.equals(body)).toBe(true);
    const stored = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'nx/123' }));
    expect(Buffer.from((await stored.Body?.transformToByteArray()) ?? []).equals(body)).toBe(true);
    expect(await keys()).toEqual(['nx/123']);
  });

  it('rejects a commit that loses the race after the early check', async () => {
    // Simulates the second of two uploads reaching commit() after the first one finished.
    const spool = storage.spoolPath();
    fs.writeFileSync(spool, 'late');
    expect(await storage.commit('123', spool, 4, undefined)).toBe('exists');
    expect(fs.existsSync(spool)).toBe(false);
  });

  it('serialises concurrent commits of one hash in-process even without conditional writes', async () => {
    const spools = ['winner-a', 'winner-b'].map((text) => {
      const file = storage.spoolPath();
      fs.writeFileSync(file, text);
      return file;
    });
    const results = await Promise.all(spools.map((file) => storage.commit('300', file, 8, undefined)));
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
            body: await nxArchive(`evict me ${h}`),
          })
        ).status,
      ).toBe(200);
    }
    // Three entries against a cap one byte short of their total: exactly one must go. S3
    // LastModified has 1 s resolution, so which one depends on the clock; the totals do not.
    const listed = await client.send(new ListObjectsV2Command({ Bucket: BUCKET }));
    const total = (listed.Contents ?? []).reduce((sum, o) => sum + (o.Size ?? 0), 0);
    expect(listed.Contents).toHaveLength(3);
    const report = await storage.evict({ maxSizeBytes: total - 1 });
    expect(report.removed).toBe(1);
    expect(report.removedBytes + report.keptBytes).toBe(total);
    expect(report.keptEntries).toBe(2);
    expect((await keys()).length).toBe(2);
    const expired = await storage.evict({ maxAgeMs: 60_000 }, Date.now() + 120_000);
    expect(expired).toMatchObject({ removed: 2, keptEntries: 0, keptBytes: 0 });
    expect(await keys()).toEqual([]);
  });

  it('keeps a sha256 in object metadata, quarantines flipped bytes, verifies old objects lazily', async () => {
    const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
    const url = (h: string) => `${server.url}/v1/cache/${h}`;
    const head = (key: string) => client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: key }));
    const body = await nxArchive('s3 entry');
    expect((await request(url('400'), { method: 'PUT', token: TOKENS[0].token, body })).status).toBe(200);
    expect((await head('nx/400')).Metadata).toEqual({ 'cellar-sha256': sha256(body) });

    // A flipped byte at rest: other bytes under the same recorded sha256.
    const flipped = Buffer.from(body);
    flipped[flipped.length >> 1] ^= 0x01;
    await client.send(
      new PutObjectCommand({
        Bucket: BUCKET,
        Key: 'nx/400',
        Body: flipped,
        Metadata: { 'cellar-sha256': sha256(body) },
      }),
    );
    expect((await request(url('400'), { token: TOKENS[1].token })).status).toBe(404);
    const moved = (await keys()).filter((k) => k?.startsWith('nx/quarantine/400.'));
    expect(moved).toHaveLength(1);
    expect(await keys()).not.toContain('nx/400');
    const kept = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: moved[0] }));
    expect(Buffer.from((await kept.Body?.transformToByteArray()) ?? []).equals(flipped)).toBe(true);
    expect((await request(url('400'), { method: 'PUT', token: TOKENS[0].token, body })).status).toBe(200);
    expect((await request(url('400'), { token: TOKENS[1].token })).body.equals(body)).toBe(true);

    // An object stored before checksums existed: verified on first read, then its sha256 recorded.
    const legacy = await nxArchive('legacy');
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'nx/401', Body: legacy }));
    expect((await request(url('401'), { token: TOKENS[1].token })).body.equals(legacy)).toBe(true);
    expect((await head('nx/401')).Metadata).toEqual({ 'cellar-sha256': sha256(legacy) });

    expect((await request(url('400'), { method: 'DELETE', token: TOKENS[0].token })).status).toBe(403);
    expect((await request(url('400'), { method: 'DELETE', token: TOKENS[2].token })).status).toBe(200);
    expect(await storage.emptyQuarantine()).toBe(1);
    const listed: string[] = [];
    for await (const h of storage.list()) listed.push(h);
    expect(listed).toEqual(['401']);
    expect(await keys()).toEqual(['nx/401']);
  });
});
