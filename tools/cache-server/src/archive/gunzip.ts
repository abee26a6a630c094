import { crc32 } from 'node:zlib';
import {
  ZStream,
  Z_BUF_ERROR,
  Z_NO_FLUSH,
  Z_OK,
  Z_STREAM_END,
  zlibInflate,
  zlibInflateInit2,
  zlibInflateReset,
} from 'pako';

// A streaming gunzip that runs on the calling thread. node:zlib's streams inflate in libuv's
// thread pool: under 50 concurrent 1 MiB uploads, the round trip per step, the stream machinery and
// a fresh external output buffer per step (which drove full GCs) cost about 3 ms of CPU per MiB,
// several times the inflating itself. Here the DEFLATE data goes through pako (a port of zlib's own
// inflate, so the same decoder and the same error messages) into one output buffer shared by all
// uploads, the CRC32 is node:zlib's native crc32, and the gzip framing is read below as zlib reads
// it: same checks, same order, same messages (see gunzip.spec.ts).

/** What zlib would report: `truncated` is its Z_BUF_ERROR at the end ("unexpected end of file"). */
export interface GzipProblem {
  kind: 'truncated' | 'corrupt';
  /** zlib's message, e.g. `incorrect data check`. */
  message: string;
}

const FHCRC = 0x02;
const FEXTRA = 0x04;
const FNAME = 0x08;
const FCOMMENT = 0x10;
const RESERVED = 0xe0;

const enum Step {
  /** ID1 ID2, then CM FLG: checked in pairs, as zlib does. */
  Magic,
  Method,
  /** MTIME XFL OS. */
  Time,
  ExtraLength,
  Extra,
  Name,
  Comment,
  HeaderCrc,
  Deflate,
  /** CRC32, then ISIZE. */
  Crc,
  Length,
  /** After a member: another member, or zeros / end. */
  Between,
  /** A zero byte followed a member: zlib (as node:zlib drives it) reads nothing after it. */
  Ignore,
  Failed,
}

/** Output is inflated into this buffer, shared by every stream: inflating is synchronous. */
const OUTPUT = new Uint8Array(256 * 1024);

/**
 * Incremental gunzip: push() compressed chunks of any size, then end(). Inflated bytes go to
 * `onData` (a view into a shared buffer, valid only during the call); `onData` returning false
 * stops the stream. Concatenated members are read as one stream, as node:zlib reads them.
 */
export class GzipInflater {
  problem: GzipProblem | undefined;
  private step = Step.Magic;
  /** Bytes still wanted by the current header or trailer step, gathered in `field`. */
  private need = 2;
  private field = 0;
  private fieldBytes = 0;
  private flags = 0;
  private headerCrc = 0;
  private crc = 0;
  private size = 0;
  private stopped = false;
  private readonly strm = new ZStream();
  /** Input held while a push is paused by its output budget. */
  private input: Uint8Array | undefined;
  private at = 0;

  constructor(private readonly onData: (data: Uint8Array) => boolean) {
    zlibInflateInit2(this.strm, -15);
  }

  /** True once the stream failed or onData stopped it. */
  get finished(): boolean {
    return this.stopped || this.step === Step.Failed;
  }

  /**
   * Inflates `chunk`. Returns false when it stopped after about `maxOutput` inflated bytes with
   * input left (a highly compressed chunk): call resume() later to go on. The chunk is not kept
   * otherwise.
   */
  push(chunk: Uint8Array, maxOutput = Infinity): boolean {
    // A plain Uint8Array view, whatever made the chunk: request bodies come as Buffers made in C++,
    // whose hidden class differs from Buffers made in JavaScript, and code compiled for one
    // (during the warm-up) was thrown away and compiled again for the other under load.
    this.input = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.at = 0;
    return this.resume(maxOutput);
  }

  /** Goes on with a paused push; true once its chunk is consumed. */
  resume(maxOutput = Infinity): boolean {
    const data = this.input;
    if (data === undefined) return true;
    let budget = maxOutput;
    while (this.at < data.length && !this.finished) {
      if (this.step === Step.Deflate) {
        const produced = this.inflate(data, budget);
        budget -= produced;
        if (this.step === Step.Deflate && this.at < data.length && !this.finished) {
          if (budget <= 0) return false;
        }
      } else this.frame(data);
    }
    this.input = undefined;
    return true;
  }

  /** The input is complete: undefined if the gzip stream was whole, else what is wrong. */
  end(): GzipProblem | undefined {
    if (this.problem !== undefined || this.stopped) return this.problem;
    if (this.step !== Step.Between && this.step !== Step.Ignore)
      return this.fail('truncated', 'unexpected end of file');
    return undefined;
  }

  private fail(kind: GzipProblem['kind'], message: string): GzipProblem {
    this.step = Step.Failed;
    this.input = undefined;
    this.problem ??= { kind, message };
    return this.problem;
  }

  /** Reads gzip header and trailer bytes at `this.at`, one step at a time. */
  private frame(data: Uint8Array): void {
    const step = this.step;
    if (step === Step.Ignore) {
      this.at = data.length;
      return;
    }
    if (step === Step.Between) {
      if (data[this.at] === 0) {
        this.step = Step.Ignore;
        return;
      }
      this.startMember();
    }
    if (this.step === Step.Extra) {
      const n = Math.min(this.need, data.length - this.at);
      this.hashHeader(data, this.at, this.at + n);
      this.at += n;
      this.need -= n;
      if (this.need === 0) this.afterExtra();
      return;
    }
    if (this.step === Step.Name || this.step === Step.Comment) {
      const zero = data.indexOf(0, this.at);
      const end = zero === -1 ? data.length : zero + 1;
      this.hashHeader(data, this.at, end);
      this.at = end;
      if (zero !== -1) {
        if (this.step === Step.Name && this.flags & FCOMMENT) this.step = Step.Comment;
        else this.afterComment();
      }
      return;
    }
    // Fixed-size fields, gathered little-endian.
    const byte = data[this.at++];
    if (this.step < Step.Deflate) this.hashHeader(data, this.at - 1, this.at);
    this.field += byte * 2 ** (8 * this.fieldBytes);
    this.fieldBytes++;
    if (this.fieldBytes < this.need) return;
    const value = this.field;
    this.field = 0;
    this.fieldBytes = 0;
    switch (this.step) {
      case Step.Magic:
        if (value !== 0x8b1f) return void this.fail('corrupt', 'incorrect header check');
        this.step = Step.Method;
        return;
      case Step.Method:
        if ((value & 0xff) !== 8) return void this.fail('corrupt', 'unknown compression method');
        if ((value >> 8) & RESERVED) return void this.fail('corrupt', 'unknown header flags set');
        this.flags = value >> 8;
        this.step = Step.Time;
        this.need = 6;
        return;
      case Step.Time:
        if (this.flags & FEXTRA) {
          this.step = Step.ExtraLength;
          this.need = 2;
        } else this.afterExtra();
        return;
      case Step.ExtraLength:
        this.step = Step.Extra;
        this.need = value;
        if (value === 0) this.afterExtra();
        return;
      case Step.HeaderCrc:
        if (value !== (this.headerCrc & 0xffff)) return void this.fail('corrupt', 'header crc mismatch');
        this.step = Step.Deflate;
        return;
      case Step.Crc:
        if (value !== this.crc >>> 0) return void this.fail('corrupt', 'incorrect data check');
        this.step = Step.Length;
        return;
      case Step.Length:
        if (value !== this.size % 2 ** 32) return void this.fail('corrupt', 'incorrect length check');
        this.step = Step.Between;
        return;
    }
  }

  /** The header's CRC covers every header byte before the CRC field (FLG is not known at first). */
  private hashHeader(data: Uint8Array, from: number, to: number): void {
    if (this.step !== Step.HeaderCrc) this.headerCrc = crc32(data.subarray(from, to), this.headerCrc);
  }

  private afterExtra(): void {
    if (this.flags & FNAME) this.step = Step.Name;
    else if (this.flags & FCOMMENT) this.step = Step.Comment;
    else this.afterComment();
  }

  private afterComment(): void {
    if (this.flags & FHCRC) {
      this.step = Step.HeaderCrc;
      this.need = 2;
    } else this.step = Step.Deflate;
  }

  private startMember(): void {
    zlibInflateReset(this.strm);
    this.step = Step.Magic;
    this.need = 2;
    this.flags = 0;
    this.headerCrc = 0;
    this.crc = 0;
    this.size = 0;
  }

  /** Inflates from `this.at` until the input is used, the member ends or `budget` is spent. */
  private inflate(data: Uint8Array, budget: number): number {
    const strm = this.strm;
    strm.input = data;
    strm.next_in = this.at;
    strm.avail_in = data.length - this.at;
    let produced = 0;
    try {
      for (;;) {
        strm.output = OUTPUT;
        strm.next_out = 0;
        strm.avail_out = OUTPUT.length;
        const status = zlibInflate(strm, Z_NO_FLUSH);
        const out = strm.next_out;
        if (out > 0) {
          const view = OUTPUT.subarray(0, out);
          this.crc = crc32(view, this.crc);
          this.size += out;
          produced += out;
          if (!this.onData(view)) {
            this.stopped = true;
            return produced;
          }
        }
        if (status === Z_STREAM_END) {
          this.step = Step.Crc;
          this.need = 4;
          break;
        }
        if (status !== Z_OK && status !== Z_BUF_ERROR) {
          this.fail('corrupt', strm.msg || 'invalid deflate data');
          break;
        }
        // Z_BUF_ERROR is "no progress possible", which with input left cannot happen; never spin.
        if (status === Z_BUF_ERROR && strm.avail_in > 0) {
          this.fail('corrupt', 'inflate made no progress');
          break;
        }
        if (strm.avail_in === 0 || produced >= budget) break;
      }
      this.at = strm.next_in;
    } finally {
      // The chunk is not kept beyond this call (pako keeps leftover bits in its own state).
      strm.input = EMPTY;
      strm.output = OUTPUT;
    }
    return produced;
  }
}

const EMPTY = new Uint8Array(0);
