import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirectoryStorage } from './dir-storage';
import type { CacheEntry } from './storage';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function streamed(entry: CacheEntry): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of entry.open()) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

describe('DirectoryStorage: the sha256 footer', () => {
  let root: string;
  let storage: DirectoryStorage;

  beforeEach(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-dir-storage-'));
    storage = new DirectoryStorage(root);
    await storage.open();
  });
  afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

  /** Spools and commits `body` as the server does: the body, then the storage's trailer. */
  async function store(hash: string, body: Buffer): Promise<void> {
    const spool = storage.spoolPath();
    fs.writeFileSync(spool, Buffer.concat([body, storage.spoolTrailer(sha256(body))]));
    expect(await storage.commit(hash, spool)).toBe('created');
  }

  it('serves the body alone, streamed or read whole, with the sum from the footer', async () => {
    // Larger than a read chunk (256 KiB), so the stream ends inside its last chunk.
    const body = randomBytes(600_000);
    await store('a1', body);
    expect(fs.statSync(storage.entryPath('a1')).size).toBe(body.length + 79);
    expect(fs.existsSync(storage.sumPath('a1'))).toBe(false);
    const entry = (await storage.get('a1')) as CacheEntry;
    try {
      expect(entry.size).toBe(body.length);
      expect(entry.sha256).toBe(sha256(body));
      expect((await entry.readAll()).equals(body)).toBe(true);
      expect((await streamed(entry)).equals(body)).toBe(true);
    } finally {
      entry.release();
    }
  });

  it('returns a damaged footer digest as is, so verification fails rather than passes', async () => {
    const body = Buffer.from('archive bytes');
    await store('a2', body);
    const file = storage.entryPath('a2');
    const bytes = fs.readFileSync(file);
    bytes[bytes.length - 2] = bytes[bytes.length - 2] === 0x30 ? 0x31 : 0x30;
    fs.writeFileSync(file, bytes);
    const entry = (await storage.get('a2')) as CacheEntry;
    entry.release();
    expect(entry.size).toBe(body.length);
    expect(entry.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(entry.sha256).not.toBe(sha256(body));
  });

  it('reads entries stored before footers: the sum file when there is one, else no sum', async () => {
    const old = Buffer.from('\x1f\x8b an archive stored by an older server');
    fs.writeFileSync(storage.entryPath('b1'), old);
    fs.writeFileSync(storage.sumPath('b1'), `${sha256(old)}\n`);
    fs.writeFileSync(storage.entryPath('b2'), old);
    const withSum = (await storage.get('b1')) as CacheEntry;
    const without = (await storage.get('b2')) as CacheEntry;
    try {
      expect([withSum.size, withSum.sha256]).toEqual([old.length, sha256(old)]);
      expect([without.size, without.sha256]).toEqual([old.length, undefined]);
      expect((await streamed(without)).equals(old)).toBe(true);
      // Verified lazily, then recorded the old way: the entry's bytes are never rewritten.
      await storage.recordChecksum('b2', sha256(old));
      expect(((await storage.get('b2')) as CacheEntry).sha256).toBe(sha256(old));
      expect(fs.readFileSync(storage.entryPath('b2')).equals(old)).toBe(true);
    } finally {
      withSum.release();
      without.release();
    }
  });

  it('keeps the footer with the entry in quarantine', async () => {
    const body = Buffer.from('to be quarantined');
    await store('c1', body);
    const to = (await storage.quarantine('c1')) as string;
    expect(fs.existsSync(storage.entryPath('c1'))).toBe(false);
    const moved = fs.readFileSync(path.join(root, to));
    expect(moved.subarray(body.length).toString()).toBe(`CELLAR-SHA256 ${sha256(body)}\n`);
  });
});
