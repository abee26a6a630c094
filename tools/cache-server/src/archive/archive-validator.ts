import { CacheServerError } from '../errors';
import { ArchiveRules } from './entry-rules';
import { GzipInflater, type GzipProblem } from './gunzip';
import { TarScanner, type TarProblem } from './tar-scanner';

const AS_NX_MAKES_IT = 'upload the gzipped tar that Nx produces';

// Inflating is synchronous (see gunzip.ts), so one write() inflates at most this much before it
// yields to the event loop and asks the caller to wait for drain: a highly compressed chunk (up
// to ~1000:1) must not hold up every other request. Incompressible uploads never reach it.
const OUTPUT_PER_TURN = 4 * 1024 * 1024;

function gzipMessage(problem: GzipProblem): string {
  if (problem.kind === 'truncated') return 'gzip stream ends early; the upload was cut off, retry it';
  return `gzip stream is corrupt (${problem.message}); ${AS_NX_MAKES_IT}`;
}

function tarMessage(problem: TarProblem): string {
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
 * rejecting with a BAD_ARCHIVE CacheServerError whose message is meant for the uploader. Each
 * write() is checked before it returns, except what a highly compressed chunk inflates to beyond
 * OUTPUT_PER_TURN, which is checked on later turns of the event loop (write() then returns false).
 */
export class ArchiveValidator {
  readonly done: Promise<void>;
  private readonly rules = new ArchiveRules();
  private readonly scanner = new TarScanner((header) => this.rules.check(header));
  private readonly gunzip = new GzipInflater((data) => {
    const problem = this.scanner.push(data);
    if (problem === undefined) return true;
    this.fail(tarMessage(problem));
    return false;
  });
  /** The first bytes, for the message if they are not gzip's. */
  private head: number[] = [];
  private settled = false;
  private passed = false;
  private ending = false;
  private paused: NodeJS.Immediate | undefined;
  /** Chunks written while paused (a caller that ignored backpressure), inflated after it. */
  private queued: Uint8Array[] = [];
  private drainCallbacks: (() => void)[] = [];
  private fail: (message: string) => void = () => undefined;
  private pass: () => void = () => undefined;

  constructor() {
    this.done = new Promise<void>((resolve, reject) => {
      this.fail = (message) => {
        if (this.settled) return;
        this.settled = true;
        this.destroy();
        reject(new CacheServerError('BAD_ARCHIVE', message));
      };
      this.pass = () => {
        if (this.settled) return;
        this.settled = true;
        this.passed = true;
        resolve();
      };
    });
    // Callers may stop feeding after a failure without awaiting `done`.
    this.done.catch(() => undefined);
  }

  /** True once the archive was rejected; `done` then rejects. */
  get failed(): boolean {
    return this.settled && !this.passed;
  }

  /** Like Writable#write: false means wait for 'drain' (see onDrain). */
  write(chunk: Uint8Array): boolean {
    if (this.settled) return true;
    if (this.head.length < 2) {
      for (let i = 0; i < chunk.length && this.head.length < 4; i++) this.head.push(chunk[i]);
      if (this.head.length >= 2 && (this.head[0] !== 0x1f || this.head[1] !== 0x8b)) {
        const bytes = this.head.map((b) => b.toString(16).padStart(2, '0')).join(' ');
        this.fail(`not a gzip stream (starts with ${bytes}); ${AS_NX_MAKES_IT}`);
        return true;
      }
    }
    if (this.paused !== undefined) {
      this.queued.push(chunk);
      return false;
    }
    const consumed = this.gunzip.push(chunk, OUTPUT_PER_TURN);
    this.afterInflate();
    if (consumed || this.settled) return true;
    this.paused = setImmediate(() => this.resume());
    return false;
  }

  private resume(): void {
    this.paused = undefined;
    if (this.settled) return;
    let consumed = this.gunzip.resume(OUTPUT_PER_TURN);
    this.afterInflate();
    while (consumed && !this.settled && this.queued.length > 0) {
      consumed = this.gunzip.push(this.queued.shift() as Uint8Array, OUTPUT_PER_TURN);
      this.afterInflate();
    }
    if (this.settled) return;
    if (!consumed) {
      this.paused = setImmediate(() => this.resume());
      return;
    }
    if (this.ending) return this.finish();
    const callbacks = this.drainCallbacks;
    this.drainCallbacks = [];
    for (const callback of callbacks) callback();
  }

  private afterInflate(): void {
    const problem = this.gunzip.problem;
    if (problem !== undefined) this.fail(gzipMessage(problem));
  }

  onDrain(callback: () => void): void {
    if (this.paused === undefined) queueMicrotask(callback);
    else this.drainCallbacks.push(callback);
  }

  end(): Promise<void> {
    if (!this.settled && !this.ending) {
      this.ending = true;
      if (this.paused === undefined) this.finish();
    }
    return this.done;
  }

  private finish(): void {
    const gzip = this.gunzip.end();
    if (gzip !== undefined) return this.fail(gzipMessage(gzip));
    const problem = this.scanner.end();
    if (problem !== undefined) return this.fail(tarMessage(problem));
    const violation = this.rules.finish();
    if (violation !== undefined) return this.fail(violation);
    this.pass();
  }

  destroy(): void {
    if (this.paused !== undefined) clearImmediate(this.paused);
    this.paused = undefined;
    this.queued = [];
    this.drainCallbacks = [];
  }
}

/** Validates a whole stored entry (a stream of its bytes); resolves to a violation message or undefined. */
export async function findArchiveProblem(body: AsyncIterable<Buffer>): Promise<string | undefined> {
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
