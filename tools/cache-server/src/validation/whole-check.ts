import { createHash } from 'node:crypto';
import * as zlib from 'node:zlib';
import { findArchiveProblem, gzipMessage, notGzipMessage, tarMessage } from '../archive/archive-validator';
import { ArchiveRules } from '../archive/entry-rules';
import { TarScanner } from '../archive/tar-scanner';
import { CacheServerError } from '../errors';

/**
 * An archive that inflates to more than this is checked by the streaming validator instead, which
 * keeps no output: one inflate into one buffer must stay small whatever the upload claims.
 */
const MAX_INFLATED_BYTES = 16 * 1024 ** 2;

/** Output buffer size: gzip's last four bytes hold the content's length (mod 2^32), a hint only. */
function outputChunkBytes(body: Buffer): number {
  const hint = body.length >= 4 ? body.readUInt32LE(body.length - 4) : 0;
  return Math.min(Math.max(hint + 1024, 64 * 1024), 4 * 1024 ** 2);
}

function inflate(body: Buffer): Promise<Buffer | 'too-large'> {
  return new Promise((resolve, reject) => {
    zlib.gunzip(
      body,
      { chunkSize: outputChunkBytes(body), maxOutputLength: MAX_INFLATED_BYTES },
      (err, out) => {
        if (!err) return resolve(out);
        if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') return resolve('too-large');
        reject(new CacheServerError('BAD_ARCHIVE', gzipMessage(err)));
      },
    );
  });
}

/**
 * The checks of ArchiveValidator (gzip framing and CRC, tar headers, entry rules; the same
 * messages) on an upload received whole: one inflate in libuv's thread pool and one pass over its
 * output, where the streaming validator takes a thread-pool round trip and a buffer per 128 KiB
 * step. Resolves to the body's hex sha256; rejects with a BAD_ARCHIVE CacheServerError.
 */
export async function checkWholeUpload(body: Buffer): Promise<string> {
  const notGzip = notGzipMessage(body.subarray(0, 4));
  if (notGzip !== undefined) throw new CacheServerError('BAD_ARCHIVE', notGzip);
  const inflated = await inflate(body);
  if (inflated === 'too-large') {
    const problem = await findArchiveProblem([body]);
    if (problem !== undefined) throw new CacheServerError('BAD_ARCHIVE', problem);
  } else {
    const rules = new ArchiveRules();
    const scanner = new TarScanner((header) => rules.check(header));
    const problem = scanner.push(inflated) ?? scanner.end();
    if (problem !== undefined) throw new CacheServerError('BAD_ARCHIVE', tarMessage(problem));
    const violation = rules.finish();
    if (violation !== undefined) throw new CacheServerError('BAD_ARCHIVE', violation);
  }
  return createHash('sha256').update(body).digest('hex');
}
