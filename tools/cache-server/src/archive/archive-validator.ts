import * as zlib from 'node:zlib';
import { CacheServerError } from '../errors';
import { ArchiveRules } from './entry-rules';
import { TarScanner, type TarProblem } from './tar-scanner';

const AS_NX_MAKES_IT = 'upload the gzipped tar that Nx produces';

// Input is inflated in steps of this size, and output comes in buffers of this size. Each step is a
// thread-pool round trip (two context switches), so small steps cost CPU; but every byte in flight
// is external memory to V8, and with 256 KiB steps 50 concurrent uploads kept enough in flight to
// force a full (mark-compact) GC every ~15 uploads, which cost more than the round trips saved.
const STEP_BYTES = 128 * 1024;

// Batches are copied into step buffers that are reused rather than into fresh ones (Buffer.concat),
// and the request's own chunks are let go at once: fresh buffers, and chunks held until a batch is
// full (they outlive a young-generation GC), were what drove those full GCs.
const spareSteps: Buffer[] = [];
const MAX_SPARE_STEPS = 128;

function takeStep(): Buffer {
  return spareSteps.pop() ?? Buffer.allocUnsafeSlow(STEP_BYTES);
}

function giveBackStep(step: Buffer): void {
  if (spareSteps.length < MAX_SPARE_STEPS) spareSteps.push(step);
}

/** Why a body is not a gzip stream at all, from its first bytes (undefined when it starts like one). */
export function notGzipMessage(head: Uint8Array): string | undefined {
  if (head.length < 2 || (head[0] === 0x1f && head[1] === 0x8b)) return undefined;
  const bytes = [...head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
  return `not a gzip stream (starts with ${bytes}); ${AS_NX_MAKES_IT}`;
}

export function gzipMessage(err: NodeJS.ErrnoException): string {
  if (err.code === 'Z_BUF_ERROR') return 'gzip stream ends early; the upload was cut off, retry it';
  return `gzip stream is corrupt (${err.message}); ${AS_NX_MAKES_IT}`;
}

export function tarMessage(problem: TarProblem): string {
  switch (problem.kind) {
    case 'not-tar':
      return `gzip content is not a tar archive; ${AS_NX_MAKES_IT}`;
    case 'truncated':
      return 'tar archive ends inside an entry; the upload was cut off, retry it';
    case 'corrupt':
      return `tar archive is corrupt (${problem.message}); ${AS_NX_MAKES_IT}`;
    case 'rule':
      return problem.message;
  }
}

/**
 * Checks a gzipped tar as it streams in: gzip framing and CRC, tar headers, and the entry rules.
 * Entry contents are read and dropped, never kept. Feed it with write()/end(); `done` settles once,
 * rejecting with a BAD_ARCHIVE CacheServerError whose message is meant for the uploader.
 */
export class ArchiveValidator {
  readonly done: Promise<void>;
  private readonly gunzip = zlib.createGunzip({
    chunkSize: STEP_BYTES,
    writableHighWaterMark: 2 * STEP_BYTES,
  } as zlib.ZlibOptions);
  private readonly rules = new ArchiveRules();
  private readonly scanner = new TarScanner((header) => this.rules.check(header));
  private head = Buffer.alloc(0);
  private step: Buffer | undefined;
  private stepBytes = 0;
  private settled = false;
  private passed = false;
  private fail: (message: string) => void = () => undefined;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.fail = (message) => {
        if (this.settled) return;
        this.settled = true;
        this.destroy();
        reject(new CacheServerError('BAD_ARCHIVE', message));
      };
      this.gunzip.on('error', (err) => this.fail(gzipMessage(err)));
      this.gunzip.on('data', (chunk: Buffer) => {
        const problem = this.scanner.push(chunk);
        if (problem !== undefined) this.fail(tarMessage(problem));
      });
      this.gunzip.on('end', () => {
        if (this.settled) return;
        const problem = this.scanner.end();
        if (problem !== undefined) return this.fail(tarMessage(problem));
        const violation = this.rules.finish();
        if (violation !== undefined) return this.fail(violation);
        this.settled = true;
        this.passed = true;
        resolve();
      });
    });
    // Callers may stop feeding after a failure without awaiting `done`.
    this.done.catch(() => undefined);
  }

  /** True once the archive was rejected; `done` then rejects. */
  get failed(): boolean {
    return this.settled && !this.passed;
  }

  /** Like Writable#write: false means wait for 'drain' (see onDrain). */
  write(chunk: Buffer): boolean {
    if (this.settled) return true;
    if (this.head.length < 2) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, 4)]);
      const notGzip = notGzipMessage(this.head);
      if (notGzip !== undefined) {
        this.fail(notGzip);
        return true;
      }
    }
    let more = true;
    for (let at = 0; at < chunk.length;) {
      this.step ??= takeStep();
      const n = Math.min(chunk.length - at, STEP_BYTES - this.stepBytes);
      chunk.copy(this.step, this.stepBytes, at, at + n);
      this.stepBytes += n;
      at += n;
      if (this.stepBytes === STEP_BYTES) more = this.flush();
    }
    return more;
  }

  /** Hands what write() batched to gunzip now (e.g. when no more input is at hand); like write(). */
  flush(): boolean {
    const step = this.step;
    if (this.settled || step === undefined || this.stepBytes === 0) return true;
    const bytes = this.stepBytes;
    this.step = undefined;
    this.stepBytes = 0;
    // Reused only once zlib has consumed it (no error: a destroyed stream may still be reading).
    return this.gunzip.write(step.subarray(0, bytes), (err) => {
      if (!err) giveBackStep(step);
    });
  }

  onDrain(callback: () => void): void {
    this.gunzip.once('drain', callback);
  }

  end(): Promise<void> {
    if (!this.settled) {
      this.flush();
      this.gunzip.end();
    }
    return this.done;
  }

  destroy(): void {
    this.gunzip.destroy();
  }
}

/** Validates a whole stored entry (a stream of its bytes); resolves to a violation message or undefined. */
export async function findArchiveProblem(
  body: AsyncIterable<Buffer> | Iterable<Buffer>,
): Promise<string | undefined> {
  const validator = new ArchiveValidator();
  try {
    for await (const chunk of body) {
      if (!validator.write(chunk))
        await Promise.race([new Promise<void>((r) => validator.onDrain(r)), validator.done]);
      if (validator.failed) break;
    }
    await validator.end();
    return undefined;
  } catch (err) {
    if (err instanceof CacheServerError && err.code === 'BAD_ARCHIVE') return err.message;
    throw err;
  }
}
