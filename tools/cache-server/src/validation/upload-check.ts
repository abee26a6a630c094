import { createHash } from 'node:crypto';
import { ArchiveValidator } from '../archive/archive-validator';

/**
 * Input that waits in the validator's batch (see ArchiveValidator) is validated at the latest this
 * long after it arrived, so a bad header is answered while the rest of a slow upload is still in
 * flight. Much shorter deadlines cut the inflate steps smaller: with 50 uploads at once each one
 * gets a chunk only every 20-30 ms.
 */
const FLUSH_AFTER_MS = 50;

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
 * Validation and sha256 run on the thread that serves HTTP: hashing costs about 0.7 ms per MiB and
 * reading tar headers next to nothing, while zlib inflates in libuv's thread pool. Worker threads
 * (before) cost more than they saved: a message and an acknowledgement per batch, a copy of every
 * chunk, and a second V8 heap.
 */
export function startUploadCheck(): UploadCheck {
  const validator = new ArchiveValidator();
  const digest = createHash('sha256');
  let timer: NodeJS.Timeout | undefined;
  const stopTimer = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
  };
  const done = validator.done.then(() => digest.digest('hex'));
  done.catch(() => undefined); // callers that stop early need not await it
  validator.done.catch(stopTimer);
  return {
    done,
    write: (chunk) => {
      digest.update(chunk);
      const more = validator.write(chunk);
      timer ??= setTimeout(() => {
        timer = undefined;
        validator.flush();
      }, FLUSH_AFTER_MS);
      return more;
    },
    onDrain: (callback) => validator.onDrain(callback),
    end: () => {
      stopTimer();
      void validator.end();
    },
    abort: () => {
      stopTimer();
      validator.destroy();
    },
  };
}
