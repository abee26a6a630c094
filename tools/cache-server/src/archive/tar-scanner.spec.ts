import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tar from 'tar-stream';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTar } from '../testing/archives';
import type { EntryHeader } from './entry-rules';
import { TarScanner, type TarProblem } from './tar-scanner';

interface Scan {
  entries: EntryHeader[];
  problem?: TarProblem;
}

/** Scans `tarball` fed in pieces of `step` bytes. */
function scan(tarball: Buffer, step = tarball.length || 1): Scan {
  const entries: EntryHeader[] = [];
  const scanner = new TarScanner((h) => void entries.push(h));
  for (let at = 0; at < tarball.length; at += step) {
    const problem = scanner.push(tarball.subarray(at, at + step));
    if (problem) return { entries, problem };
  }
  const problem = scanner.end();
  return problem ? { entries, problem } : { entries };
}

/** What tar-stream reads from the same bytes: the reference for archives both accept. */
async function tarStreamEntries(tarball: Buffer): Promise<EntryHeader[]> {
  const extract = tar.extract({ allowUnknownFormat: true } as Parameters<typeof tar.extract>[0]);
  const out: EntryHeader[] = [];
  extract.on('entry', (h, stream, next) => {
    out.push({ name: h.name, type: h.type, linkname: h.linkname ?? null });
    stream.on('end', next);
    stream.resume();
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on('finish', () => resolve());
    extract.on('error', reject);
  });
  extract.end(tarball);
  await finished;
  return out;
}

/** A raw header block; `fields` overrides bytes at offsets (checksum recomputed unless given). */
function block(
  name: string,
  opts: { type?: string; size?: number; linkname?: string; magic?: 'ustar' | 'gnu' | 'v7' } = {},
  raw: [number, string | Buffer][] = [],
): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100);
  b.write('0000644\0', 100);
  b.write('0000000\0', 108);
  b.write('0000000\0', 116);
  b.write(`${(opts.size ?? 0).toString(8).padStart(11, '0')}\0`, 124);
  b.write('00000000000\0', 136);
  b.write(opts.type ?? '0', 156);
  b.write(opts.linkname ?? '', 157, 100);
  if ((opts.magic ?? 'ustar') === 'ustar') b.write('ustar\u000000', 257);
  if (opts.magic === 'gnu') b.write('ustar  \0', 257);
  for (const [at, value] of raw)
    (typeof value === 'string' ? Buffer.from(value, 'latin1') : value).copy(b, at);
  if (!raw.some(([at]) => at === 148)) {
    b.write('        ', 148);
    const sum = b.reduce((a, x) => a + x, 0);
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  }
  return b;
}

const pad = (body: Buffer | string) => {
  const b = Buffer.from(body);
  return Buffer.concat([b, Buffer.alloc((512 - (b.length % 512)) % 512)]);
};
const paxRecord = (key: string, value: string) => {
  const text = ` ${key}=${value}\n`;
  let n = text.length + 1;
  while (`${n}${text}`.length !== n) n++;
  return `${n}${text}`;
};
const pax = (records: string) =>
  Buffer.concat([block('PaxHeader', { type: 'x', size: Buffer.byteLength(records) }), pad(records)]);
const END = Buffer.alloc(1024);
const file = (name: string, body = '') =>
  Buffer.concat([block(name, { size: Buffer.byteLength(body) }), pad(body)]);
const gnuLong = (type: 'L' | 'K', value: Buffer | string) => {
  const body = Buffer.from(value);
  return Buffer.concat([block('././@LongLink', { type, size: body.length, magic: 'gnu' }), pad(body)]);
};

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-tar-scan-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/**
 * A tree with every kind of entry GNU tar writes in `format`, and names past 100 characters where
 * the format can hold them (ustar through its prefix field; v7 has no fifos nor long names).
 */
function gnuTar(format: 'gnu' | 'pax' | 'ustar' | 'v7'): Buffer {
  const dir = path.join(root, format);
  const deep = format === 'v7' ? 'proj/out/deep' : path.join('proj/out', 'd'.repeat(60), 'e'.repeat(60));
  fs.mkdirSync(path.join(dir, deep), { recursive: true });
  fs.writeFileSync(path.join(dir, deep, format === 'v7' ? 'f' : 'f'.repeat(90)), 'x'.repeat(1500));
  fs.writeFileSync(path.join(dir, 'proj/out/a.txt'), 'a');
  fs.linkSync(path.join(dir, 'proj/out/a.txt'), path.join(dir, 'proj/out/hard.txt'));
  fs.symlinkSync('a.txt', path.join(dir, 'proj/out/link'));
  if (format === 'gnu' || format === 'pax')
    fs.symlinkSync(`../${'t'.repeat(120)}`, path.join(dir, 'proj/out/long-link'));
  if (format !== 'v7') spawnSync('mkfifo', [path.join(dir, 'proj/out/pipe')]);
  const r = spawnSync('tar', [`--format=${format}`, '-C', dir, '-cf', '-', 'proj'], { maxBuffer: 1 << 26 });
  expect(r.status, r.stderr.toString()).toBe(0);
  return r.stdout;
}

describe('TarScanner', () => {
  it.each(['gnu', 'pax', 'ustar', 'v7'] as const)(
    'reads what GNU tar writes (--format=%s) exactly as tar-stream does, in pieces of any size',
    async (format) => {
      const tarball = gnuTar(format);
      const expected = await tarStreamEntries(tarball);
      const kinds = ['directory', 'file', 'link', 'symlink', ...(format === 'v7' ? [] : ['fifo'])];
      expect(expected.map((e) => e.type)).toEqual(expect.arrayContaining(kinds));
      expect(expected.some((e) => e.name.length > 100)).toBe(format !== 'v7');
      expect(expected.some((e) => (e.linkname ?? '').length > 100)).toBe(
        format === 'gnu' || format === 'pax',
      );
      for (const step of [1, 7, 511, 512, 513, 4096, tarball.length]) {
        expect(scan(tarball, step), `${format}, pieces of ${step}`).toEqual({ entries: expected });
      }
    },
  );

  it('reads what tar-stream writes, pax headers and devices included', async () => {
    const tarball = await makeTar([
      { name: 'proj/out', type: 'directory' },
      { name: `proj/out/${'n'.repeat(180)}.txt`, body: 'long name, pax path' },
      { name: 'proj/out/l', type: 'symlink', linkname: `${'m'.repeat(150)}` },
      { name: 'proj/out/h', type: 'link', linkname: 'proj/out/a' },
      { name: 'proj/out/null', type: 'character-device' },
      { name: 'proj/out/sda', type: 'block-device' },
      { name: 'code', body: '0' },
    ]);
    const expected = await tarStreamEntries(tarball);
    expect(expected).toHaveLength(7);
    expect(scan(tarball, 100)).toEqual({ entries: expected });
  });

  it('takes the pax size when the header says 0, and skips that much content', () => {
    const tarball = Buffer.concat([
      pax(paxRecord('size', '1000')),
      block('big'),
      pad('z'.repeat(1000)),
      file('after'),
      END,
    ]);
    expect(scan(tarball, 300).entries.map((e) => e.name)).toEqual(['big', 'after']);
  });

  it('reads base-256 sizes and octal fields padded with spaces', () => {
    const size = Buffer.from([0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x00]); // 512
    const tarball = Buffer.concat([
      block('b256', {}, [[124, size]]),
      pad('q'.repeat(512)),
      block('spaced', {}, [[124, '     1750 \0']]),
      pad('r'.repeat(0o1750)),
      file('last'),
    ]);
    expect(scan(tarball).entries.map((e) => e.name)).toEqual(['b256', 'spaced', 'last']);
  });

  it('accepts an archive without end blocks and one padded with zeros to a full record', () => {
    expect(scan(file('a', 'x')).entries).toHaveLength(1);
    expect(scan(Buffer.concat([file('a', 'x'), Buffer.alloc(9216)]), 1000).entries).toHaveLength(1);
  });

  it('hands unknown entry types to the rules by their typeflag', () => {
    expect(scan(Buffer.concat([block('sparse', { type: 'S' }), END])).entries).toEqual([
      { name: 'sparse', type: 'S', linkname: null },
    ]);
  });

  it('stops at the first problem the callback reports', () => {
    const entries: string[] = [];
    const scanner = new TarScanner((h) => {
      entries.push(h.name);
      return h.name === 'bad' ? 'no' : undefined;
    });
    expect(scanner.push(Buffer.concat([file('ok'), file('bad'), file('never')]))).toEqual({
      kind: 'rule',
      message: 'no',
    });
    expect(entries).toEqual(['ok', 'bad']);
  });

  describe('refuses', () => {
    const problem = (tarball: Buffer, step?: number) => scan(tarball, step).problem;
    const corrupt = (message: string | RegExp) => ({
      kind: 'corrupt',
      message: typeof message === 'string' ? message : expect.stringMatching(message),
    });

    it('a stream cut off inside a header, a body or a pax record', () => {
      const whole = Buffer.concat([file('a', 'x'.repeat(600)), pax(paxRecord('path', 'p')), file('b')]);
      expect(problem(whole.subarray(0, 1024 + 10))).toEqual({
        kind: 'truncated',
        message: 'the stream ends inside an entry',
      });
      expect(problem(whole.subarray(0, 700))?.kind).toBe('truncated');
      expect(problem(whole.subarray(0, 1536 + 600))?.kind).toBe('truncated');
      expect(problem(whole.subarray(0, 200))?.kind).toBe('not-tar');
    });

    it('anything but zeros after the end-of-archive block', () => {
      expect(problem(Buffer.concat([file('a'), END, Buffer.from('garbage')]), 100)).toEqual(
        corrupt('data after the end-of-archive block, at byte 1536'),
      );
      // tar-stream read on past a zero block; the Rust tar crate Nx restores with stops there.
      expect(problem(Buffer.concat([file('a'), Buffer.alloc(512), file('hidden')]))).toEqual(
        corrupt(/^data after the end-of-archive block/),
      );
    });

    it('a bad checksum: not a tar on the first header, corrupt later', () => {
      const broken = block('b', {}, [[148, '0000000\0']]);
      expect(problem(Buffer.concat([broken, END]))).toEqual({ kind: 'not-tar', message: 'bad first header' });
      expect(problem(Buffer.concat([file('a'), broken, END]))).toEqual(corrupt(/^header checksum mismatch/));
    });

    it('numeric fields readers disagree on', () => {
      for (const field of ['12x\0', '0 7\0', '\u00007777', '']) {
        const raw = Buffer.alloc(12);
        raw.write(field, 'latin1');
        expect(problem(Buffer.concat([block('odd', {}, [[124, raw]]), END])), JSON.stringify(field)).toEqual(
          corrupt("entry 'odd' has an unreadable size field"),
        );
      }
      const high = Buffer.from([0x80, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
      expect(problem(Buffer.concat([block('high', {}, [[124, high]]), END]))?.kind).toBe('corrupt');
    });

    it('a pax size that contradicts a non-zero header size', () => {
      const tarball = Buffer.concat([pax(paxRecord('size', '0')), file('a', 'x'.repeat(600)), END]);
      expect(problem(tarball)).toEqual(corrupt("entry 'a' has a pax size that contradicts its header"));
    });

    it('a GNU long name next to a pax path, and two long names for one entry', () => {
      expect(
        problem(Buffer.concat([gnuLong('L', 'one\0'), pax(paxRecord('path', 'two')), file('x'), END])),
      ).toEqual(corrupt(/has both a GNU long name and a pax path/));
      expect(problem(Buffer.concat([gnuLong('L', 'one\0'), gnuLong('L', 'two\0'), file('x'), END]))).toEqual(
        corrupt(/^two GNU long names for one entry/),
      );
      expect(
        problem(Buffer.concat([pax(paxRecord('path', 'a')), pax(paxRecord('path', 'b')), file('x'), END])),
      ).toEqual(corrupt(/^malformed or repeated pax header/));
    });

    it('a NUL inside a long name (one reader cuts there, another keeps the rest)', () => {
      expect(problem(Buffer.concat([gnuLong('L', 'ok\0../../etc/x\0'), file('x'), END]))).toEqual(
        corrupt(/holds a NUL/),
      );
      expect(scan(Buffer.concat([gnuLong('L', 'fine\0'), file('x'), END])).entries[0].name).toBe('fine');
    });

    it('malformed pax records and a key given twice', () => {
      for (const records of [
        '12 path=abc',
        '5 path=abc\n',
        'x path=a\n',
        paxRecord('path', 'a') + paxRecord('path', 'b'),
      ])
        expect(problem(Buffer.concat([pax(records), file('x'), END])), records).toEqual(
          corrupt(/^malformed or repeated pax header/),
        );
    });

    it('a global pax header that sets a path, and a pax or long-name header with no entry after it', () => {
      const global = paxRecord('path', 'everywhere');
      expect(
        problem(Buffer.concat([block('g', { type: 'g', size: global.length }), pad(global), file('x'), END])),
      ).toEqual(corrupt("a global pax header sets 'path'"));
      const comment = paxRecord('comment', 'from git archive');
      expect(
        scan(Buffer.concat([block('g', { type: 'g', size: comment.length }), pad(comment), file('x'), END]))
          .entries,
      ).toHaveLength(1);
      expect(problem(Buffer.concat([file('a'), pax(paxRecord('path', 'p')), END]))).toEqual(
        corrupt(/describes no entry$/),
      );
      expect(problem(Buffer.concat([file('a'), gnuLong('L', 'p\0')]))).toEqual(
        corrupt(/describes no entry$/),
      );
    });

    it('a directory with content (tar-stream read its content as headers, other readers skip it)', () => {
      const hidden = Buffer.concat([block('proj/out', { type: '5', size: 512 }), block('../evil', {}), END]);
      expect(problem(hidden)).toEqual(corrupt("directory entry 'proj/out' has 512 bytes of content"));
    });

    it('a ustar prefix with a version other than 00 (the Rust tar crate ignores that prefix)', () => {
      const header = block('x', {}, [
        [263, '  '],
        [345, '../../outside'],
      ]);
      expect(problem(Buffer.concat([header, END]))).toEqual(corrupt(/ustar prefix but version is not 00/));
      const ok = block('x', {}, [[345, 'proj/out']]);
      expect(scan(Buffer.concat([ok, END])).entries[0].name).toBe('proj/out/x');
    });
  });
});
