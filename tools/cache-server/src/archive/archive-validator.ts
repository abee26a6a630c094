import * as zlib from 'node:zlib';
import * as tar from 'tar-stream';
import { CacheServerError } from '../errors';
import { ArchiveRules } from './entry-rules';

const AS_NX_MAKES_IT = 'upload the gzipped tar that Nx produces';

// Inflating in few large steps costs a third of what 16 KiB steps (zlib's default) cost: each step
// is a thread-pool round trip plus buffer and stream bookkeeping. Input is batched to this size.
const STEP_BYTES = 256 * 1024;

function gzipMessage(err: NodeJS.ErrnoException): string {
  if (err.code === 'Z_BUF_ERROR') return 'gzip stream ends early; the upload was cut off, retry it';
  return `gzip stream is corrupt (${err.message}); ${AS_NX_MAKES_IT}`;
}

function tarMessage(err: Error, entriesSeen: number): string {
  if (err.message.startsWith('Invalid tar header') || (entriesSeen === 0 && /end of data/.test(err.message)))
    return `gzip content is not a tar archive; ${AS_NX_MAKES_IT}`;
  if (/end of data/.test(err.message))
    return 'tar archive ends inside an entry; the upload was cut off, retry it';
  return `tar archive is corrupt (${err.message}); ${AS_NX_MAKES_IT}`;
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
    writableHighWaterMark: 4 * STEP_BYTES,
  } as zlib.ZlibOptions);
  // Nx writes `terminalOutput` and `code` with pre-POSIX (v7) headers, which carry no magic.
  private readonly extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  private readonly rules = new ArchiveRules();
  private head = Buffer.alloc(0);
  private batch: Buffer[] = [];
  private batchBytes = 0;
  private entriesSeen = 0;
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
      this.extract.on('error', (err: Error) => this.fail(tarMessage(err, this.entriesSeen)));
      this.extract.on('entry', (header, stream, next) => {
        this.entriesSeen++;
        const violation = this.rules.check(header);
        if (violation !== undefined) return this.fail(violation);
        stream.on('end', () => next());
        stream.resume();
      });
      this.extract.on('finish', () => {
        if (this.settled) return;
        const violation = this.rules.finish();
        if (violation !== undefined) return this.fail(violation);
        this.settled = true;
        this.passed = true;
        resolve();
      });
    });
    // Callers may stop feeding after a failure without awaiting `done`.
    this.done.catch(() => undefined);
    this.gunzip.pipe(this.extract as unknown as NodeJS.WritableStream);
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
      if (this.head.length >= 2 && (this.head[0] !== 0x1f || this.head[1] !== 0x8b)) {
        const bytes = [...this.head.subarray(0, 4)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        this.fail(`not a gzip stream (starts with ${bytes}); ${AS_NX_MAKES_IT}`);
        return true;
      }
    }
    this.batch.push(chunk);
    this.batchBytes += chunk.length;
    return this.batchBytes < STEP_BYTES || this.flush();
  }

  /** Hands what write() batched to gunzip now (e.g. when no more input is at hand); like write(). */
  flush(): boolean {
    if (this.settled || this.batchBytes === 0) return true;
    const step = this.batch.length === 1 ? this.batch[0] : Buffer.concat(this.batch, this.batchBytes);
    this.batch = [];
    this.batchBytes = 0;
    return this.gunzip.write(step);
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
    this.gunzip.unpipe();
    this.gunzip.destroy();
    this.extract.destroy();
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
