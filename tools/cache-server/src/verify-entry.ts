import { createHash, type Hash } from 'node:crypto';
import { Readable } from 'node:stream';
import { findArchiveProblem } from './archive/archive-validator';
import type { CacheEntry } from './storage/storage';

export type Verdict = { ok: true; sha256: string } | { ok: false; reason: string };

async function* hashing(body: Readable, digest: Hash): AsyncIterable<Buffer> {
  for await (const chunk of body) {
    digest.update(chunk as Buffer);
    yield chunk as Buffer;
  }
}

/**
 * Checks a stored entry before it is served: its bytes against the recorded sha256, or, for an
 * entry stored before checksums existed, the whole archive against the upload rules (its sha256 is
 * then returned so the caller can record it).
 */
export async function verifyEntry(entry: CacheEntry, bytes?: Buffer): Promise<Verdict> {
  const digest = createHash('sha256');
  const body = (): Readable => (bytes ? Readable.from([bytes]) : entry.open());
  if (entry.sha256 === undefined) {
    const problem = await findArchiveProblem(hashing(body(), digest));
    return problem === undefined
      ? { ok: true, sha256: digest.digest('hex') }
      : { ok: false, reason: problem };
  }
  if (bytes) digest.update(bytes);
  else for await (const chunk of entry.open()) digest.update(chunk as Buffer);
  const actual = digest.digest('hex');
  if (actual === entry.sha256) return { ok: true, sha256: actual };
  return {
    ok: false,
    reason: `sha256 mismatch: recorded ${entry.sha256.slice(0, 16)}..., stored bytes hash to ${actual.slice(0, 16)}...`,
  };
}
