import * as fs from 'node:fs';
import type * as http from 'node:http';
import { CacheServerError } from './errors';
import type { UploadCheck } from './validation/upload-check';

export interface SpoolResult {
  /** Body bytes (without a trailer). */
  bytes: number;
  /** Hex sha256 of the body; undefined without a check. */
  sha256?: string;
}

/**
 * Streams the request body to `file`, feeding it to `check` (validation as a gzipped tar, sha256)
 * on the way, and fails as soon as the body is too large or invalid: BODY_TOO_LARGE, BAD_ARCHIVE
 * or UPLOAD_ABORTED. Unlike stream.pipeline it does not destroy the request on
 * failure, so a 4xx can still be answered. On failure the file is closed but left for the caller.
 * With a check, `trailer` (CacheStorage.spoolTrailer) ends the file once the body passed it.
 */
export function spoolBody(
  req: http.IncomingMessage,
  file: string,
  options: { maxBytes: number; check?: UploadCheck; trailer?: (sha256: string) => Buffer },
): Promise<SpoolResult> {
  const check = options.check;
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { flags: 'wx' });
    let bytes = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      check?.abort();
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
      if (!out.write(chunk)) {
        waiting++;
        out.once('drain', drained);
      }
      if (check && !check.write(chunk)) {
        waiting++;
        check.onDrain(drained);
      }
      if (waiting > 0) req.pause();
    };
    check?.done.catch(fail);
    req.on('data', onData);
    req.on('end', () => {
      if (settled) return;
      let checked: Promise<string | undefined> = Promise.resolve(undefined);
      if (check && bytes > 0) {
        check.end();
        checked = check.done;
      } else check?.abort();
      const written = new Promise<void>((r) => out.once('close', r));
      const trailer = options.trailer;
      if (trailer === undefined || !check) out.end();
      checked
        .then((sha256) => {
          if (trailer !== undefined && check && !settled)
            out.end(sha256 === undefined ? undefined : trailer(sha256));
          return written.then(() => sha256);
        })
        .then((sha256) => {
          if (settled) return;
          settled = true;
          resolve({ bytes, sha256 });
        }, fail);
    });
    req.on('close', () => {
      if (!req.complete) fail(aborted());
    });
    req.on('error', () => fail(aborted()));
    out.on('error', fail);
  });
}
