import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';
import { ArchiveValidator } from '../archive/archive-validator';

async function sampleArchive(): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  pack.entry({ name: 'out', type: 'directory' });
  pack.entry({ name: 'out/sample.bin' }, randomBytes(64 * 1024));
  pack.entry({ name: 'code' }, '0');
  pack.finalize();
  await ended;
  return gzipSync(Buffer.concat(chunks));
}

/**
 * Validates a small sample archive a number of times so the first real uploads after a start run
 * compiled, not interpreted, code (a fresh worker validates its first uploads at half speed).
 */
export async function warmUp(rounds = 200): Promise<void> {
  const sample = await sampleArchive();
  for (let i = 0; i < rounds; i++) {
    const validator = new ArchiveValidator();
    for (let at = 0; at < sample.length; at += 16 * 1024) {
      if (!validator.write(sample.subarray(at, at + 16 * 1024)))
        await new Promise<void>((resolve) => validator.onDrain(resolve));
    }
    await validator.end();
  }
}
