import { randomBytes } from 'node:crypto';
import { constants, crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { startUploadCheck } from './upload-check';

/** One ustar header block (mode 644, mtime 0). */
function ustarHeader(name: string, type: string, size: number, linkname = ''): Buffer {
  const block = Buffer.alloc(512);
  block.write(name, 0, 100);
  block.write('0000644\0', 100);
  block.write('0000000\0', 108);
  block.write('0000000\0', 116);
  block.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  block.write('00000000000\0', 136);
  block.write('        ', 148);
  block.write(type, 156);
  block.write(linkname, 157, 100);
  block.write('ustar\u000000', 257);
  const sum = block.reduce((a, b) => a + b, 0);
  block.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return block;
}

/** Text that deflates into matches of many lengths and distances (a seeded word salad). */
function sampleText(bytes: number): Buffer {
  const words = [
    'const',
    'import',
    'export',
    'function',
    'return',
    '=>',
    '{',
    '}',
    'model',
    'train',
    '0.5',
    '\n',
  ];
  let seed = 7;
  let text = '';
  while (text.length < bytes) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    text += `${words[seed % words.length]}${seed % 3 === 0 ? String(seed % 1000) : ''} `;
  }
  return Buffer.from(text.slice(0, bytes));
}

/** A tar shaped like Nx's: a folder, an incompressible and a compressible output, a link, `code`. */
function sampleTar(): Buffer {
  const body = randomBytes(64 * 1024);
  const text = sampleText(64 * 1024);
  return Buffer.concat([
    ustarHeader('out/', '5', 0),
    ustarHeader('out/sample.bin', '0', body.length),
    body,
    ustarHeader('out/sample.js', '0', text.length),
    text,
    ustarHeader('out/latest', '2', 0, 'sample.bin'),
    ustarHeader('code', '0', 1),
    Buffer.from('0'.padEnd(512, '\0')),
    Buffer.alloc(1024),
  ]);
}

/** Non-final stored blocks holding `data`. */
function storedBlocks(data: Buffer): Buffer {
  const blocks: Buffer[] = [];
  for (let at = 0; at < data.length; at += 65_535) {
    const piece = data.subarray(at, at + 65_535);
    const head = Buffer.from([
      0,
      piece.length & 0xff,
      piece.length >> 8,
      ~piece.length & 0xff,
      (~piece.length >> 8) & 0xff,
    ]);
    blocks.push(head, piece);
  }
  return Buffer.concat(blocks);
}

/**
 * Two gzips of the sample tar: as gzip writes it (Huffman blocks for the headers and the text,
 * stored blocks for the random bytes), and one that also has Huffman blocks referring back into
 * stored ones (part of the text stored, the rest compressed against it), so that every way of
 * copying out of the inflate window runs during the warm-up rather than first under load.
 */
function sampleArchives(): Buffer[] {
  const tar = sampleTar();
  const storedFrom = 64 * 1024 + 2048; // where the text starts
  const storedTo = storedFrom + 40 * 1024;
  const deflated = Buffer.concat([
    deflateRawSync(tar.subarray(0, storedFrom), { finishFlush: constants.Z_SYNC_FLUSH }),
    storedBlocks(tar.subarray(storedFrom, storedTo)),
    deflateRawSync(tar.subarray(storedTo), { dictionary: tar.subarray(storedTo - 32 * 1024, storedTo) }),
  ]);
  const trailer = Buffer.alloc(8);
  trailer.writeUInt32LE(crc32(tar), 0);
  trailer.writeUInt32LE(tar.length, 4);
  const header = Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]);
  return [gzipSync(tar), Buffer.concat([header, deflated, trailer])];
}

let warm: Promise<void> | undefined;

/**
 * Validates a sample archive a number of times, once per process, so the first real uploads after
 * a start run compiled rather than interpreted code: a cold server spent twice the CPU on the
 * validation of its first 50 uploads.
 */
export function warmUpValidation(rounds = 80): Promise<void> {
  warm ??= (async () => {
    const samples = sampleArchives();
    for (let i = 0; i < rounds; i++) {
      const sample = samples[i % 2];
      const check = startUploadCheck();
      // Chunks of varied sizes, so that inflating reaches back into the window of earlier chunks.
      const step = [300, 4 * 1024, 16 * 1024, 64 * 1024][(i >> 1) % 4];
      for (let at = 0; at < sample.length; at += step) {
        if (!check.write(sample.subarray(at, at + step)))
          await new Promise<void>((resolve) => check.onDrain(resolve));
      }
      check.end();
      await check.done;
    }
  })();
  return warm;
}
