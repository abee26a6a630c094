import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
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

/** A small archive shaped like Nx's: a folder, an incompressible output, a link, `code`. */
function sampleArchive(): Buffer {
  const body = randomBytes(64 * 1024);
  return gzipSync(
    Buffer.concat([
      ustarHeader('out/', '5', 0),
      ustarHeader('out/sample.bin', '0', body.length),
      body,
      ustarHeader('out/latest', '2', 0, 'sample.bin'),
      ustarHeader('code', '0', 1),
      Buffer.from('0'.padEnd(512, '\0')),
      Buffer.alloc(1024),
    ]),
  );
}

let warm: Promise<void> | undefined;

/**
 * Validates a sample archive a number of times, once per process, so the first real uploads after
 * a start run compiled rather than interpreted code: a cold server spent twice the CPU on the
 * validation of its first 50 uploads.
 */
export function warmUpValidation(rounds = 200): Promise<void> {
  warm ??= (async () => {
    const sample = sampleArchive();
    for (let i = 0; i < rounds; i++) {
      const check = startUploadCheck();
      for (let at = 0; at < sample.length; at += 16 * 1024) {
        if (!check.write(sample.subarray(at, at + 16 * 1024)))
          await new Promise<void>((resolve) => check.onDrain(resolve));
      }
      check.end();
      await check.done;
    }
  })();
  return warm;
}
