import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { CacheServerError } from '../errors';
import type { ToMain, ToWorker } from './protocol';

/** Bytes handed to a worker but not yet taken by its validator; beyond this, write() asks to wait. */
const HIGH_WATER_BYTES = 1024 * 1024;

/**
 * Chunks are sent in batches of this size: each message costs about as much as copying 64 KiB, and
 * request bodies arrive in chunks of 16-64 KiB. A smaller rest goes out when the body pauses.
 */
const BATCH_BYTES = 256 * 1024;
const IDLE_SEND_MS = 10;

/** One upload being validated and hashed in a worker. */
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

interface JobState {
  inflight: number;
  drains: (() => void)[];
  resolve(sha256: string): void;
  reject(err: Error): void;
}

interface Slot {
  worker: Worker;
  jobs: Map<number, JobState>;
  ready: Promise<void>;
}

/**
 * Validation (gunzip, tar headers, entry rules) and sha256 of uploads run in worker threads, so the
 * thread that serves HTTP only copies chunks across, and validation uses spare cores where a
 * machine has them. Each upload stays on one worker. A worker that dies after starting is
 * replaced (its uploads get a STORAGE error, 500); one that cannot start fails ready().
 */
export class ValidationPool {
  private readonly slots: Slot[] = [];
  private nextId = 1;
  private next = 0;
  private closed = false;

  constructor(readonly size = Math.max(1, Math.min(4, os.availableParallelism() - 1))) {
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    // No execArgv of the parent (test runners pass loader flags a plain worker must not inherit).
    const worker = new Worker(path.join(__dirname, 'worker-entry.js'), { execArgv: [] });
    let started = false;
    let markReady!: () => void;
    let markBroken!: (err: Error) => void;
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      markBroken = reject;
    });
    ready.catch(() => undefined);
    const slot: Slot = { worker, jobs: new Map(), ready };
    worker.on('message', (message: ToMain) => {
      if (message.type !== 'ready') return this.onMessage(slot, message);
      started = true;
      // Started: from now on the HTTP server keeps the process alive, not the worker, so a process
      // that closes its server can exit (a ref'd worker port kept it alive forever).
      worker.unref();
      markReady();
    });
    const fail = (why: string) => {
      if (!started) {
        // Respawning a worker that cannot load its code would only loop.
        markBroken(
          new CacheServerError(
            'WORKER',
            `upload validation worker did not start (${why}); reinstall dependencies (npm ci)`,
          ),
        );
        return;
      }
      const err = new CacheServerError(
        'STORAGE',
        `upload validation worker stopped (${why}); retry the upload`,
      );
      for (const job of slot.jobs.values()) job.reject(err);
      slot.jobs.clear();
      if (this.closed) return;
      const at = this.slots.indexOf(slot);
      if (at !== -1) this.slots[at] = this.spawn();
    };
    worker.on('error', (err) => fail(err.message.split('\n')[0]));
    worker.on('exit', (code) => fail(`exit code ${code}`));
    return slot;
  }

  private onMessage(slot: Slot, message: ToMain): void {
    const job = slot.jobs.get(message.id);
    if (!job) return;
    if (message.type === 'ready') return;
    if (message.type === 'ack') {
      job.inflight -= message.bytes;
      if (job.inflight < HIGH_WATER_BYTES && job.drains.length > 0) {
        const drains = job.drains;
        job.drains = [];
        for (const drain of drains) drain();
      }
      return;
    }
    slot.jobs.delete(message.id);
    if (message.type === 'done') job.resolve(message.sha256);
    else job.reject(new CacheServerError(message.badArchive ? 'BAD_ARCHIVE' : 'STORAGE', message.message));
  }

  /** Resolves once every worker has loaded its code (a few hundred ms), so the first upload does not wait. */
  ready(): Promise<void> {
    return Promise.all(this.slots.map((s) => s.ready)).then(() => undefined);
  }

  start(): UploadCheck {
    const slot = this.slots[this.next++ % this.slots.length];
    const id = this.nextId++;
    const post = (message: ToWorker, transfer?: ArrayBuffer[]) => slot.worker.postMessage(message, transfer);
    let job!: JobState;
    const done = new Promise<string>((resolve, reject) => {
      job = { inflight: 0, drains: [], resolve, reject };
    });
    done.catch(() => undefined); // callers that stop early need not await it
    slot.jobs.set(id, job);
    post({ type: 'start', id });
    let batch: Buffer[] = [];
    let batchBytes = 0;
    let timer: NodeJS.Timeout | undefined;
    const send = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      if (batchBytes === 0 || !slot.jobs.has(id)) return;
      // One copy of the batch into its own buffer, then moved (not copied again) to the worker.
      const data = new Uint8Array(batchBytes);
      let at = 0;
      for (const chunk of batch) {
        data.set(chunk, at);
        at += chunk.length;
      }
      batch = [];
      batchBytes = 0;
      post({ type: 'chunk', id, data }, [data.buffer]);
    };
    return {
      done,
      write: (chunk) => {
        if (!slot.jobs.has(id)) return true;
        batch.push(chunk);
        batchBytes += chunk.length;
        job.inflight += chunk.length;
        if (batchBytes >= BATCH_BYTES) send();
        else timer ??= setTimeout(send, IDLE_SEND_MS);
        return job.inflight < HIGH_WATER_BYTES;
      },
      onDrain: (callback) => {
        if (!slot.jobs.has(id) || job.inflight < HIGH_WATER_BYTES) setImmediate(callback);
        else job.drains.push(callback);
      },
      end: () => {
        send();
        post({ type: 'end', id });
      },
      abort: () => {
        if (timer) clearTimeout(timer);
        batch = [];
        if (slot.jobs.delete(id)) post({ type: 'abort', id });
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

let shared: ValidationPool | undefined;

/**
 * The process-wide pool, started on first use and never stopped (its workers do not keep the
 * process alive). Servers share it: a worker costs a few hundred ms to start, and a worker
 * started again after one was terminated can crash a process whose main thread never loaded the
 * TypeScript loader's native module itself (seen under vitest).
 */
export function sharedValidationPool(): ValidationPool {
  if (!shared) {
    const pool = new ValidationPool();
    shared = pool;
    pool.ready().catch(() => {
      if (shared === pool) shared = undefined; // let a later start try again
    });
  }
  return shared;
}
