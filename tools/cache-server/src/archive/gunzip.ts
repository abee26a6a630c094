import { crc32 } from 'node:zlib';
import {
  ZStream,
  Z_BLOCK,
  Z_BUF_ERROR,
  Z_OK,
  Z_STREAM_END,
  zlibInflate,
  zlibInflateInit2,
  zlibInflateReset,
  zlibInflateSetDictionary,
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

/** DEFLATE's window: how far back a block may copy from. */
const WINDOW_BYTES = 32 * 1024;

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
  /** At a block boundary that starts on a byte (see inflate). */
  private aligned = true;
  /** Bytes of the stored block being read by inflate() itself. */
  private storedLeft = 0;
  private storedLast = false;
  /** Views of the current chunk not yet appended to pako's window (see keepForWindow). */
  private forWindow: Uint8Array[] = [];
  private forWindowBytes = 0;
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
    // A plain Uint8Array view whatever made the chunk (Buffers made in C++ and in JavaScript have
    // different hidden classes), so the compiled inflater sees one kind of input.
    this.input =
      Object.getPrototypeOf(chunk) === Uint8Array.prototype
        ? chunk
        : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
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
          if (budget <= 0) {
            this.flushWindow();
            return false;
          }
        }
      } else this.frame(data);
    }
    this.flushWindow();
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
    this.forWindow = [];
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
    this.aligned = true;
    this.storedLeft = 0;
    this.storedLast = false;
  }

  /**
   * Stored bytes read by inflate() are owed to pako's window (a later block may copy from them),
   * but only the last 32 KiB count: they are appended once per chunk, before pako runs or the chunk
   * is let go, rather than block by block.
   */
  private keepForWindow(view: Uint8Array): void {
    this.forWindow.push(view);
    this.forWindowBytes += view.length;
    while (this.forWindowBytes - this.forWindow[0].length >= WINDOW_BYTES)
      this.forWindowBytes -= (this.forWindow.shift() as Uint8Array).length;
  }

  private flushWindow(): void {
    if (this.forWindow.length === 0) return;
    let skip = Math.max(0, this.forWindowBytes - WINDOW_BYTES);
    for (const view of this.forWindow) {
      zlibInflateSetDictionary(this.strm, skip > 0 ? view.subarray(skip) : view);
      skip = 0;
    }
    this.forWindow = [];
    this.forWindowBytes = 0;
  }

  /** Passes inflated bytes on; false when onData stopped the stream. */
  private emit(view: Uint8Array): boolean {
    this.crc = crc32(view, this.crc);
    this.size += view.length;
    if (this.onData(view)) return true;
    this.stopped = true;
    return false;
  }

  private endDeflate(): void {
    this.forWindow = [];
    this.forWindowBytes = 0;
    this.step = Step.Crc;
    this.need = 4;
  }

  /**
   * Inflates from `this.at` until the input is used, the member ends or `budget` is spent; returns
   * the bytes produced. Stored blocks (what gzip makes of incompressible data) that start on a
   * byte boundary are read here, with no copy: their bytes are passed on straight from the input,
   * and appended to pako's window in case a later block refers back to them. Everything else
   * goes through pako, one block per call (Z_BLOCK), so that the next block boundary is seen.
   */
  private inflate(data: Uint8Array, budget: number): number {
    let produced = 0;
    while (this.step === Step.Deflate && this.at < data.length && produced < budget && !this.finished) {
      if (this.storedLeft > 0) {
        const n = Math.min(this.storedLeft, data.length - this.at);
        const view = data.subarray(this.at, this.at + n);
        this.at += n;
        this.storedLeft -= n;
        produced += n;
        this.keepForWindow(view);
        if (!this.emit(view)) break;
        if (this.storedLeft === 0 && this.storedLast) this.endDeflate();
        continue;
      }
      if (this.aligned && data.length - this.at >= 5 && (data[this.at] & 0b110) === 0) {
        // BFINAL, BTYPE 00, padding to the byte; then LEN and its one's complement NLEN.
        const head = data[this.at];
        const length = data[this.at + 1] | (data[this.at + 2] << 8);
        const check = data[this.at + 3] | (data[this.at + 4] << 8);
        if (length !== (~check & 0xffff)) {
          this.fail('corrupt', 'invalid stored block lengths');
          break;
        }
        this.at += 5;
        this.storedLeft = length;
        this.storedLast = (head & 1) === 1;
        if (length === 0 && this.storedLast) this.endDeflate();
        continue;
      }
      produced += this.inflateBlock(data);
    }
    return produced;
  }

  /** Runs pako up to the next block boundary (or the end of the input); returns bytes produced. */
  private inflateBlock(data: Uint8Array): number {
    this.flushWindow();
    const strm = this.strm;
    strm.input = data;
    strm.next_in = this.at;
    strm.avail_in = data.length - this.at;
    strm.output = OUTPUT;
    strm.next_out = 0;
    strm.avail_out = OUTPUT.length;
    let status: number;
    try {
      status = zlibInflate(strm, Z_BLOCK);
    } finally {
      // The chunk is not kept beyond this call (pako keeps leftover bits in its own state).
      strm.input = EMPTY;
    }
    this.at = strm.next_in;
    // At a block boundary with no bits pending: the next block starts at this.at.
    const type = strm.data_type;
    this.aligned = (type & 128) !== 0 && (type & 64) === 0 && (type & 63) === 0;
    const out = strm.next_out;
    if (out > 0 && !this.emit(OUTPUT.subarray(0, out))) return out;
    if (status === Z_STREAM_END) this.endDeflate();
    else if (status !== Z_OK && status !== Z_BUF_ERROR)
      this.fail('corrupt', strm.msg || 'invalid deflate data');
    // Z_BUF_ERROR is "no progress possible", which with input and output space left cannot happen.
    else if (status === Z_BUF_ERROR && strm.avail_in > 0) this.fail('corrupt', 'inflate made no progress');
    return out;
  }
}

const EMPTY = new Uint8Array(0);
