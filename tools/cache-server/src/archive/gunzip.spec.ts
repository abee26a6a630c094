import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipInflater, type GzipProblem } from './gunzip';

/** Pseudo-random bytes from a seed (an LCG), so failures reproduce. */
function seeded(seed: number): () => number {
  let s = seed;
  return () => (s = (s * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
}

/** Text with matches of many lengths and distances, longer than the 32 KiB window. */
function text(bytes: number, seed = 1): Buffer {
  const next = seeded(seed);
  const words = ['alpha', 'beta', 'gamma', 'delta', '{', '}', '\n', '0.25', 'return'];
  let out = '';
  while (out.length < bytes) out += `${words[Math.floor(next() * words.length)]} `;
  return Buffer.from(out.slice(0, bytes));
}

interface Result {
  output: Buffer;
  problem?: GzipProblem;
}

function gunzip(input: Buffer, chunkSize: number, maxOutput = Infinity): Result {
  const parts: Buffer[] = [];
  const inflater = new GzipInflater((data) => {
    parts.push(Buffer.from(data)); // a view into a shared buffer: copy
    return true;
  });
  for (let at = 0; at < input.length && !inflater.finished; at += chunkSize) {
    let consumed = inflater.push(input.subarray(at, at + chunkSize), maxOutput);
    while (!consumed) consumed = inflater.resume(maxOutput);
  }
  const problem = inflater.problem ?? inflater.end();
  return { output: Buffer.concat(parts), problem };
}

/** What node:zlib says about the same bytes, in GzipProblem terms. */
function native(input: Buffer): Result {
  try {
    return { output: zlib.gunzipSync(input) };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const kind = e.code === 'Z_BUF_ERROR' ? 'truncated' : 'corrupt';
    return { output: Buffer.alloc(0), problem: { kind, message: e.message } };
  }
}

function header(flags: number, parts: { extra?: Buffer; name?: string; comment?: string; hcrc?: number }) {
  const fields: Buffer[] = [Buffer.from([0x1f, 0x8b, 8, flags, 0, 0, 0, 0, 0, 3])];
  if (parts.extra)
    fields.push(Buffer.from([parts.extra.length & 0xff, parts.extra.length >> 8]), parts.extra);
  if (parts.name !== undefined) fields.push(Buffer.from(`${parts.name}\0`, 'latin1'));
  if (parts.comment !== undefined) fields.push(Buffer.from(`${parts.comment}\0`, 'latin1'));
  const head = Buffer.concat(fields);
  if (parts.hcrc === undefined) return head;
  const crc = (zlib.crc32(head) & 0xffff) ^ parts.hcrc;
  return Buffer.concat([head, Buffer.from([crc & 0xff, crc >> 8])]);
}

const body = Buffer.concat([randomBytes(70_000), text(120_000), Buffer.alloc(5000), randomBytes(3000)]);
const samples: Record<string, Buffer> = {
  default: zlib.gzipSync(body),
  stored: zlib.gzipSync(body, { level: 0 }),
  best: zlib.gzipSync(body, { level: 9 }),
  huffman: zlib.gzipSync(body, { strategy: zlib.constants.Z_HUFFMAN_ONLY }),
  empty: zlib.gzipSync(Buffer.alloc(0)),
  smallStored: zlib.gzipSync(Buffer.concat([randomBytes(3000), text(3000)]), { level: 0 }),
};

describe('GzipInflater', () => {
  it('inflates what gzip wrote, in chunks of any size, and stops to yield when asked', () => {
    for (const [name, gz] of Object.entries(samples)) {
      const expected = zlib.gunzipSync(gz);
      for (const size of [1, 2, 3, 5, 7, 512, 65_536, gz.length]) {
        if (size < 512 && gz.length > 50_000) continue;
        const got = gunzip(gz, size);
        expect(got.problem, `${name} @${size}`).toBeUndefined();
        expect(got.output.equals(expected), `${name} @${size}`).toBe(true);
      }
      // An output budget smaller than one step: every push pauses and resumes, same bytes.
      expect(gunzip(gz, 65_536, 1000).output.equals(expected), `${name} paused`).toBe(true);
    }
  });

  it('checks the trailer: CRC32 first, then ISIZE, as zlib does', () => {
    const gz = samples.default;
    const badCrc = Buffer.from(gz);
    badCrc[gz.length - 8] ^= 1;
    const badSize = Buffer.from(gz);
    badSize[gz.length - 1] ^= 0x10;
    for (const size of [3, 65_536]) {
      expect(gunzip(badCrc, size).problem).toEqual({ kind: 'corrupt', message: 'incorrect data check' });
      expect(gunzip(badSize, size).problem).toEqual({ kind: 'corrupt', message: 'incorrect length check' });
    }
  });

  it('keeps the window across stored blocks it reads itself: later blocks copy from them', () => {
    // Stored blocks (written by hand) of text, then Huffman blocks compressed against that text,
    // so their matches reach back into bytes that never went through pako.
    const plain = text(200_000, 5);
    const storedBlock = (data: Buffer) =>
      Buffer.concat([
        Buffer.from([
          0,
          data.length & 0xff,
          data.length >> 8,
          ~data.length & 0xff,
          (~data.length >> 8) & 0xff,
        ]),
        data,
      ]);
    const deflated = Buffer.concat([
      zlib.deflateRawSync(plain.subarray(0, 10_000), { finishFlush: zlib.constants.Z_SYNC_FLUSH }),
      storedBlock(plain.subarray(10_000, 30_000)),
      storedBlock(plain.subarray(30_000, 90_000)),
      zlib.deflateRawSync(plain.subarray(90_000), { dictionary: plain.subarray(90_000 - 32_768, 90_000) }),
    ]);
    const trailer = Buffer.alloc(8);
    trailer.writeUInt32LE(zlib.crc32(plain), 0);
    trailer.writeUInt32LE(plain.length, 4);
    const gz = Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), deflated, trailer]);
    expect(zlib.gunzipSync(gz).equals(plain)).toBe(true);
    for (const size of [3, 100, 4096, 40_000, 65_536, gz.length]) {
      const got = gunzip(gz, size);
      expect(got.problem, `@${size}`).toBeUndefined();
      expect(got.output.equals(plain), `@${size}`).toBe(true);
    }
  });

  it('checks the lengths of a stored block read without pako', () => {
    const gz = samples.smallStored;
    // Level 0: the deflate data starts with a stored block: header byte, LEN, NLEN.
    expect(gz[10] & 0b110).toBe(0);
    for (const at of [11, 12, 13, 14]) {
      const damaged = Buffer.from(gz);
      damaged[at] ^= 0x40;
      for (const size of [1, 4, 65_536])
        expect(gunzip(damaged, size).problem, `byte ${at} @${size}`).toEqual({
          kind: 'corrupt',
          message: 'invalid stored block lengths',
        });
      expect(native(damaged).problem?.message).toBe('invalid stored block lengths');
    }
  });

  it('reads optional header fields and checks the header CRC', () => {
    const deflated = samples.default.subarray(10);
    const withFields = Buffer.concat([
      header(0x02 | 0x04 | 0x08 | 0x10, { extra: Buffer.from('xyz'), name: 'a.tar', comment: 'c', hcrc: 0 }),
      deflated,
    ]);
    const longName = Buffer.concat([header(0x08, { name: 'n'.repeat(70_000) }), deflated]);
    for (const size of [1, 100, 65_536]) {
      expect(gunzip(withFields, size).output.equals(body)).toBe(true);
      if (size > 1) expect(gunzip(longName, size).output.equals(body)).toBe(true);
      expect(gunzip(Buffer.concat([header(0x02, { hcrc: 1 }), deflated]), size).problem).toEqual({
        kind: 'corrupt',
        message: 'header crc mismatch',
      });
    }
    expect(gunzip(Buffer.concat([header(0x20, {}), deflated]), 4).problem?.message).toBe(
      'unknown header flags set',
    );
    const method = Buffer.from(samples.default);
    method[2] = 7;
    expect(gunzip(method, 4).problem?.message).toBe('unknown compression method');
  });

  it('reads concatenated members, ignores zeros after a member, refuses other trailing bytes', () => {
    const two = Buffer.concat([samples.default, samples.stored]);
    expect(gunzip(two, 65_536).output.equals(Buffer.concat([body, body]))).toBe(true);
    const gz = samples.default;
    expect(gunzip(Buffer.concat([gz, Buffer.alloc(100)]), 1000).problem).toBeUndefined();
    // node:zlib stops reading at a zero byte after a member, whatever follows it.
    expect(gunzip(Buffer.concat([gz, Buffer.from('\0garbage')]), 1000).problem).toBeUndefined();
    expect(gunzip(Buffer.concat([gz, Buffer.from('garbage')]), 1000).problem).toEqual({
      kind: 'corrupt',
      message: 'incorrect header check',
    });
    expect(gunzip(Buffer.concat([gz, Buffer.from([0x1f, 0x8b, 8])]), 1000).problem?.kind).toBe('truncated');
  });

  it('reports a stream cut anywhere as truncated', () => {
    const gz = samples.default;
    const next = seeded(3);
    for (const at of [
      0,
      1,
      2,
      5,
      9,
      10,
      11,
      gz.length - 8,
      gz.length - 4,
      gz.length - 1,
      ...[1, 2, 3].map(() => Math.floor(next() * gz.length)),
    ]) {
      expect(gunzip(gz.subarray(0, at), 4096).problem, `cut at ${at}`).toEqual({
        kind: 'truncated',
        message: 'unexpected end of file',
      });
    }
  });

  it('agrees with node:zlib on damaged streams: same verdict, same message', () => {
    const next = seeded(11);
    let refused = 0;
    for (const [name, gz] of Object.entries(samples)) {
      for (let i = 0; i < 60; i++) {
        const damaged = Buffer.from(gz);
        const at = i < 12 ? i : Math.floor(next() * gz.length);
        damaged[at] ^= 1 << Math.floor(next() * 8);
        const expected = native(damaged);
        const got = gunzip(damaged, 1 + Math.floor(next() * 20_000));
        expect(got.problem, `${name}: bit flipped at byte ${at}`).toEqual(expected.problem);
        if (expected.problem === undefined) expect(got.output.equals(expected.output)).toBe(true);
        else refused++;
      }
    }
    expect(refused).toBeGreaterThan(200);
  });
});
