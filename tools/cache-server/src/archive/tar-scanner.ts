import { quoteName, type EntryHeader } from './entry-rules';

// Reads only the 512-byte headers of a tar stream (and the bodies of pax / GNU long-name records);
// file contents are skipped by size, never copied. tar-stream did the same job through a stream
// per entry, and pushing every chunk of content through those streams cost about 2 ms of CPU per
// MiB uploaded, more than inflating it.
//
// Nx restores with the Rust `tar` crate (0.4), so wherever tar readers disagree this scanner
// refuses the archive rather than guess: otherwise a check here and the extraction there could
// see different entries. In particular: a pax `size` that contradicts a non-zero header size, a
// GNU long name next to a pax path, two long names for one entry, NUL inside a long name, a
// directory with content, a global pax header that sets a path, anything but zeros after the
// end-of-archive block. Entry types it does not know are passed on by typeflag (the rules refuse
// them) instead of being read as files, as tar-stream did.

const BLOCK = 512;
/** Longest pax or GNU long-name record kept in memory (tar-stream allowed 4 MiB; paths are short). */
const MAX_LONG_BYTES = 1024 * 1024;

const TYPES: Record<number, string> = {
  0x00: 'file',
  0x30: 'file',
  0x31: 'link',
  0x32: 'symlink',
  0x33: 'character-device',
  0x34: 'block-device',
  0x35: 'directory',
  0x36: 'fifo',
  0x37: 'contiguous-file',
};

/** What the scanner found wrong; `kind` picks the message the uploader gets. */
export interface TarProblem {
  kind: 'not-tar' | 'truncated' | 'corrupt' | 'rule';
  message: string;
}

interface Pending {
  longName?: string;
  longLink?: string;
  pax?: Map<string, string>;
  /** Offset of the first pending record, for messages. */
  at: number;
}

const enum State {
  Header,
  /** Skipping `skip` bytes of content and padding. */
  Skip,
  /** Collecting a pax or long-name record, then skipping its padding. */
  Long,
  /** After the first all-zero block: only zeros may follow. */
  End,
}

function isZero(block: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (block[i] !== 0) return false;
  return true;
}

function checksumOf(block: Uint8Array, at: number): number {
  let sum = 8 * 0x20; // the checksum field itself counts as spaces
  for (let i = at; i < at + 148; i++) sum += block[i];
  for (let i = at + 156; i < at + BLOCK; i++) sum += block[i];
  return sum;
}

/**
 * A numeric header field: octal digits between optional leading spaces and trailing spaces/NULs,
 * or GNU base-256 (0x80, then big-endian). Readers disagree on anything else (`12x`, `0 7`, a
 * leading NUL, high bytes the Rust tar crate ignores), so such a field is refused: undefined.
 */
function numberAt(block: Uint8Array, at: number, length: number): number | undefined {
  const end = at + length;
  if (block[at] === 0x80) {
    let value = 0;
    for (let i = at + 1; i < end; i++) {
      if (i < end - 8 && block[i] !== 0) return undefined;
      value = value * 256 + block[i];
    }
    return Number.isSafeInteger(value) ? value : undefined;
  }
  let i = at;
  while (i < end && block[i] === 0x20) i++;
  const first = i;
  let value = 0;
  for (; i < end && block[i] >= 0x30 && block[i] <= 0x37; i++) value = value * 8 + block[i] - 0x30;
  if (i === first) return undefined;
  for (; i < end; i++) if (block[i] !== 0x20 && block[i] !== 0) return undefined;
  return value;
}

function textAt(block: Uint8Array, at: number, length: number): string {
  let end = at;
  while (end < at + length && block[end] !== 0) end++;
  return Buffer.from(block.buffer, block.byteOffset + at, end - at).toString('utf8');
}

function matches(block: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (block[at + i] !== text.charCodeAt(i)) return false;
  return true;
}

/** An unknown typeflag as shown in messages: the character, or its code when not printable. */
function typeName(flag: number): string {
  return flag >= 0x21 && flag <= 0x7e ? String.fromCharCode(flag) : `0x${flag.toString(16).padStart(2, '0')}`;
}

/**
 * Pax records: `<length> <key>=<value>\n`, `length` counting the whole record. Returns undefined
 * for anything malformed, or a key given twice (readers differ on which one wins).
 */
function parsePax(body: Buffer): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let at = 0;
  while (at < body.length) {
    let space = at;
    while (space < body.length && body[space] >= 0x30 && body[space] <= 0x39) space++;
    if (space === at || space - at > 9 || body[space] !== 0x20) return undefined;
    const length = Number(body.toString('latin1', at, space));
    const end = at + length;
    if (end > body.length || end <= space + 1 || body[end - 1] !== 0x0a) return undefined;
    const record = body.subarray(space + 1, end - 1);
    const eq = record.indexOf(0x3d);
    if (eq <= 0 || record.indexOf(0) !== -1) return undefined;
    const key = record.toString('utf8', 0, eq);
    if (out.has(key)) return undefined;
    out.set(key, record.toString('utf8', eq + 1));
    at = end;
  }
  return out;
}

/**
 * Incremental tar reader: push() the tar stream in pieces of any size, then end(). For each entry
 * it calls `onEntry` (name and link target with pax and GNU long names applied); the first problem
 * (from the stream or from `onEntry`) is returned and the scanner stops.
 */
export class TarScanner {
  private state = State.Header;
  /** Bytes of the stream consumed so far. */
  private offset = 0;
  /** A header split across pushes is gathered here. */
  private readonly header = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private skip = 0;
  private long: Buffer | undefined;
  private longFill = 0;
  private longType = 0;
  private longPadding = 0;
  private pending: Pending | undefined;
  private entries = 0;
  private problem: TarProblem | undefined;

  constructor(private readonly onEntry: (header: EntryHeader) => string | undefined) {}

  push(data: Uint8Array): TarProblem | undefined {
    let at = 0;
    while (at < data.length && this.problem === undefined) {
      const left = data.length - at;
      switch (this.state) {
        case State.Skip: {
          const n = Math.min(this.skip, left);
          this.skip -= n;
          this.offset += n;
          at += n;
          if (this.skip === 0) this.state = State.Header;
          break;
        }
        case State.Header: {
          if (this.headerFill === 0 && left >= BLOCK) {
            this.offset += BLOCK;
            at += BLOCK;
            this.readHeader(data, at - BLOCK);
            break;
          }
          const n = Math.min(BLOCK - this.headerFill, left);
          this.header.set(data.subarray(at, at + n), this.headerFill);
          this.headerFill += n;
          this.offset += n;
          at += n;
          if (this.headerFill === BLOCK) {
            this.headerFill = 0;
            this.readHeader(this.header, 0);
          }
          break;
        }
        case State.Long: {
          const long = this.long as Buffer;
          const n = Math.min(long.length - this.longFill, left);
          long.set(data.subarray(at, at + n), this.longFill);
          this.longFill += n;
          this.offset += n;
          at += n;
          if (this.longFill === long.length) this.readLong(long);
          break;
        }
        case State.End: {
          let i = at;
          while (i < data.length && data[i] === 0) i++;
          if (i < data.length)
            this.fail('corrupt', `data after the end-of-archive block, at byte ${this.offset + i - at}`);
          this.offset += data.length - at;
          at = data.length;
          break;
        }
      }
    }
    return this.problem;
  }

  /** The tar stream is complete: checks that it did not stop inside an entry. */
  end(): TarProblem | undefined {
    if (this.problem !== undefined) return this.problem;
    const inside = this.state === State.Skip || this.state === State.Long || this.headerFill > 0;
    if (inside)
      return this.fail(
        this.entries === 0 && this.pending === undefined ? 'not-tar' : 'truncated',
        'the stream ends inside an entry',
      );
    if (this.pending !== undefined)
      return this.fail(
        'corrupt',
        `the pax or long-name header at byte ${this.pending.at} describes no entry`,
      );
    return undefined;
  }

  private fail(kind: TarProblem['kind'], message: string): TarProblem {
    this.problem ??= { kind, message };
    return this.problem;
  }

  private readHeader(block: Uint8Array, at: number): void {
    const where = this.offset - BLOCK;
    if (isZero(block, at, at + BLOCK)) {
      if (this.pending !== undefined)
        return void this.fail(
          'corrupt',
          `the pax or long-name header at byte ${this.pending.at} describes no entry`,
        );
      this.state = State.End;
      return;
    }
    const recorded = numberAt(block, at + 148, 8);
    if (recorded === undefined || recorded !== checksumOf(block, at)) {
      if (this.entries === 0 && this.pending === undefined)
        return void this.fail('not-tar', 'bad first header');
      return void this.fail('corrupt', `header checksum mismatch near byte ${where}`);
    }
    const flag = block[at + 156];
    let name = textAt(block, at, 100);
    const size = numberAt(block, at + 124, 12);
    if (size === undefined)
      return void this.fail('corrupt', `entry ${quoteName(name)} has an unreadable size field`);
    if (matches(block, at + 257, 'ustar\u0000')) {
      const prefixed = block[at + 345] !== 0;
      // The Rust tar crate reads the prefix only with version "00", tar-stream with any version.
      if (prefixed && !matches(block, at + 263, '00'))
        return void this.fail('corrupt', `entry ${quoteName(name)} has a ustar prefix but version is not 00`);
      if (prefixed) name = `${textAt(block, at + 345, 155)}/${name}`;
    }
    if (flag === 0x78 /* x */ || flag === 0x67 /* g */ || flag === 0x4c /* L */ || flag === 0x4b /* K */) {
      if (size > MAX_LONG_BYTES)
        return void this.fail(
          'corrupt',
          `a pax or long-name header of ${size} bytes (at most ${MAX_LONG_BYTES})`,
        );
      this.long = Buffer.allocUnsafe(size);
      this.longFill = 0;
      this.longType = flag;
      this.longPadding = (BLOCK - (size % BLOCK)) % BLOCK;
      this.pending ??= { at: where };
      this.state = State.Long;
      if (size === 0) this.readLong(this.long);
      return;
    }
    this.applyEntry(flag, name, textAt(block, at + 157, 100), size);
  }

  private readLong(body: Buffer): void {
    const pending = this.pending as Pending;
    this.long = undefined;
    const flag = this.longType;
    this.skip = this.longPadding;
    this.state = this.skip > 0 ? State.Skip : State.Header;
    if (flag === 0x67 /* g */) {
      const pax = parsePax(body);
      if (pax === undefined)
        return void this.fail('corrupt', `malformed global pax header near byte ${pending.at}`);
      for (const key of ['path', 'linkpath', 'size'])
        if (pax.has(key)) return void this.fail('corrupt', `a global pax header sets '${key}'`);
      if (pending.longName === undefined && pending.longLink === undefined && pending.pax === undefined)
        this.pending = undefined; // a global header alone describes no particular entry
      return;
    }
    if (flag === 0x78 /* x */) {
      const pax = parsePax(body);
      if (pax === undefined || pending.pax !== undefined)
        return void this.fail('corrupt', `malformed or repeated pax header near byte ${pending.at}`);
      pending.pax = pax;
      return;
    }
    // GNU long names end with one NUL; any other NUL would cut the name differently per reader.
    const end = body.length > 0 && body[body.length - 1] === 0 ? body.length - 1 : body.length;
    if (body.indexOf(0) < end && body.indexOf(0) !== -1)
      return void this.fail('corrupt', `a GNU long name near byte ${pending.at} holds a NUL`);
    const text = body.toString('utf8', 0, end);
    const key = flag === 0x4c /* L */ ? 'longName' : 'longLink';
    if (pending[key] !== undefined)
      return void this.fail('corrupt', `two GNU long names for one entry near byte ${pending.at}`);
    pending[key] = text;
  }

  private applyEntry(flag: number, headerName: string, headerLink: string, headerSize: number): void {
    let name = headerName;
    let linkname = headerLink;
    let size = headerSize;
    const pending = this.pending;
    this.pending = undefined;
    if (pending !== undefined) {
      const pax = pending.pax;
      const paxPath = pax?.get('path');
      const paxLink = pax?.get('linkpath');
      const paxSize = pax?.get('size');
      if (
        (pending.longName !== undefined && paxPath !== undefined) ||
        (pending.longLink !== undefined && paxLink !== undefined)
      )
        return void this.fail(
          'corrupt',
          `entry near byte ${pending.at} has both a GNU long name and a pax path`,
        );
      name = pending.longName ?? paxPath ?? name;
      linkname = pending.longLink ?? paxLink ?? linkname;
      if (paxSize !== undefined) {
        const value = /^[0-9]{1,16}$/.test(paxSize) ? Number(paxSize) : NaN;
        // The Rust tar crate takes the pax size only when the header says 0; tar-stream always.
        if (!Number.isSafeInteger(value) || (size !== 0 && value !== size))
          return void this.fail(
            'corrupt',
            `entry ${quoteName(name)} has a pax size that contradicts its header`,
          );
        size = value;
      }
      if (name.includes('\u0000') || linkname.includes('\u0000'))
        return void this.fail('corrupt', `entry near byte ${pending.at} has a NUL in its pax path`);
    }
    let type = TYPES[flag] ?? typeName(flag);
    // Old tars mark directories with a trailing slash only (as tar-stream read them).
    if (type === 'file' && name.endsWith('/')) type = 'directory';
    // Every reader skips `size` bytes after a header except tar-stream for directories: refuse any.
    if (type === 'directory' && size !== 0)
      return void this.fail('corrupt', `directory entry ${quoteName(name)} has ${size} bytes of content`);
    this.entries++;
    const violation = this.onEntry({ name, type, linkname: linkname === '' ? null : linkname });
    if (violation !== undefined) return void this.fail('rule', violation);
    this.skip = size + ((BLOCK - (size % BLOCK)) % BLOCK);
    this.state = this.skip > 0 ? State.Skip : State.Header;
  }
}
