// Runs in a worker thread: validates uploads (see ArchiveValidator) and hashes them, off the
// thread that serves HTTP. Messages are defined in protocol.ts.
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { ArchiveValidator } from '../archive/archive-validator';
import { CacheServerError } from '../errors';
import type { ToMain, ToWorker } from './protocol';
import { warmUp } from './warm-up';

interface Job {
  validator: ArchiveValidator;
  digest: Hash;
  /** Chunks wait here while the validator applies backpressure. */
  queue: Buffer[];
  draining: boolean;
  ended: boolean;
  flushScheduled: boolean;
}

const IDLE_FLUSH_MS = 20;

const port = parentPort;
if (!port) throw new Error('validation worker started outside a worker thread');
const jobs = new Map<number, Job>();
const send = (message: ToMain) => port.postMessage(message);

function pump(id: number, job: Job): void {
  while (job.queue.length > 0 && !job.draining) {
    const chunk = job.queue.shift() as Buffer;
    send({ type: 'ack', id, bytes: chunk.length });
    if (job.validator.failed) continue;
    if (!job.validator.write(chunk)) {
      job.draining = true;
      job.validator.onDrain(() => {
        job.draining = false;
        pump(id, job);
      });
    }
  }
  if (!job.ended && job.queue.length === 0 && !job.draining && !job.flushScheduled) {
    // The validator inflates in steps of 256 KiB (cheaper than chunk by chunk); when no more input
    // comes for a moment, validate what is there, so a bad header is reported while the rest of a
    // slow upload is still in flight.
    job.flushScheduled = true;
    setTimeout(() => {
      job.flushScheduled = false;
      if (job.validator.failed || job.draining || job.queue.length > 0 || job.ended) return;
      if (!job.validator.flush()) {
        job.draining = true;
        job.validator.onDrain(() => {
          job.draining = false;
          pump(id, job);
        });
      }
    }, IDLE_FLUSH_MS);
  }
  if (job.ended && job.queue.length === 0 && !job.draining) {
    const { validator, digest } = job;
    job.ended = false;
    validator.end().then(
      () => send({ type: 'done', id, sha256: digest.digest('hex') }),
      (err: Error) =>
        send({
          type: 'failed',
          id,
          message: err.message,
          badArchive: err instanceof CacheServerError && err.code === 'BAD_ARCHIVE',
        }),
    );
    jobs.delete(id);
  }
}

void warmUp().finally(() => send({ type: 'ready', id: 0 }));

port.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    const job: Job = {
      validator: new ArchiveValidator(),
      digest: createHash('sha256'),
      queue: [],
      draining: false,
      ended: false,
      flushScheduled: false,
    };
    jobs.set(message.id, job);
    // Report a bad archive as soon as it is found, not only at the end.
    job.validator.done.catch((err: Error) => {
      if (!jobs.has(message.id)) return;
      jobs.delete(message.id);
      send({ type: 'failed', id: message.id, message: err.message, badArchive: true });
    });
    return;
  }
  const job = jobs.get(message.id);
  if (!job) return; // failed or aborted already
  if (message.type === 'chunk') {
    const chunk = Buffer.from(message.data.buffer, message.data.byteOffset, message.data.byteLength);
    job.digest.update(chunk);
    job.queue.push(chunk);
  } else if (message.type === 'end') {
    job.ended = true;
  } else {
    job.validator.destroy();
    jobs.delete(message.id);
    return;
  }
  pump(message.id, job);
});
