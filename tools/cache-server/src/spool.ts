import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type * as http from 'node:http';
import { ArchiveValidator } from './archive/archive-validator';
import { CacheServerError } from './errors';

export interface SpoolResult {
  bytes: number;
  /** Hex sha256 of the body; undefined when verification is off. */
  sha256?: string;
}

/**
 * Streams the request body to `file`, hashing it and validating it as a gzipped tar on the way
 * (when `verify`), and fails as soon as the body is too large or invalid: BODY_TOO_LARGE,
 * BAD_ARCHIVE or UPLOAD_ABORTED. Unlike stream.pipeline it does not destroy the request on
 * failure, so a 4xx can still be answered. On failure the file is closed but left for the caller.
 */
export function spoolBody(
  req: http.IncomingMessage,
  file: string,
  options: { maxBytes: number; verify: boolean },
): Promise<SpoolResult> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { flags: 'wx' });
    const digest = options.verify ? createHash('sha256') : undefined;
    const validator = options.verify ? new ArchiveValidator() : undefined;
    let bytes = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      validator?.destroy();
      out.destroy();
      // Wait for the fd to close so the caller can unlink the file for good.
      if (out.closed) reject(err);
      else out.once('close', () => reject(err));
    };
    const aborted = () =>
      new CacheServerError('UPLOAD_ABORTED', 'client closed the connection before the upload finished');
    // Backpressure from both consumers: pause the request until each one that asked has drained.
    let waiting = 0;
    const drained = () => {
      if (--waiting === 0 && !settled) req.resume();
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > options.maxBytes) {
        return fail(
          new CacheServerError(
            'BODY_TOO_LARGE',
            `upload exceeds the ${options.maxBytes}-byte limit (--max-body)`,
          ),
        );
      }
      digest?.update(chunk);
      if (!out.write(chunk)) {
        waiting++;
        out.once('drain', drained);
      }
      if (validator && !validator.write(chunk)) {
        waiting++;
        validator.onDrain(drained);
      }
      if (waiting > 0) req.pause();
    };
    validator?.done.catch(fail);
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      out.end();
      const checked = validator && bytes > 0 ? validator.end() : Promise.resolve();
      const written = new Promise<void>((r) => out.once('close', r));
      Promise.all([checked, written]).then(() => {
        if (settled) return;
        settled = true;
        resolve({ bytes, sha256: digest?.digest('hex') });
      }, fail);
    });
    req.on('close', () => {
      if (!req.complete) fail(aborted());
    });
    req.on('error', () => fail(aborted()));
    out.on('error', fail);
  });
}
