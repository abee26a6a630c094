import { createHash } from 'node:crypto';
import { ArchiveValidator } from '../archive/archive-validator';

/** One upload being validated and hashed as it streams in. */
export interface UploadCheck {
  /** False: wait for onDrain before writing more. */
  write(chunk: Buffer): boolean;
  onDrain(callback: () => void): void;
  /** No more data; `done` then settles. */
  end(): void;
  /** The body's hex sha256, or a BAD_ARCHIVE CacheServerError as soon as a problem is found. */
  readonly done: Promise<string>;
  /** Stops the check (client gone, body too large); `done` is left pending. */
  abort(): void;
}

/**
 * Validation and sha256 run on the thread that serves HTTP, chunk by chunk as the body arrives, so
 * a bad header is answered while the rest of a slow upload is still in flight: hashing costs about
 * 0.7 ms per MiB, inflating an incompressible upload (stored blocks: copies and a native CRC32)
 * about as much, and reading tar headers next to nothing. Worker threads (before that, node:zlib
 * streams in the thread pool) cost more than they saved: a message or a thread-pool round trip per
 * batch, copies of every chunk, and fresh external buffers that drove full GCs.
 */
export function startUploadCheck(): UploadCheck {
  const validator = new ArchiveValidator();
  const digest = createHash('sha256');
  const done = validator.done.then(() => digest.digest('hex'));
  done.catch(() => undefined); // callers that stop early need not await it
  return {
    done,
    write: (chunk) => {
      // A plain view: request chunks are Buffers made in C++, whose hidden class differs from the
      // warm-up's, and code compiled for one was thrown away and compiled again under load.
      const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      digest.update(bytes);
      return validator.write(bytes);
    },
    onDrain: (callback) => validator.onDrain(callback),
    end: () => void validator.end(),
    abort: () => validator.destroy(),
  };
}
