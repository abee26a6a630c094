import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { makeTar, makeTarGz } from '../testing/archives';
import { ArchiveValidator } from './archive-validator';

describe('ArchiveValidator', () => {
  it('refuses a bad entry from the chunk that holds it, before the upload ends', async () => {
    const tarball = await makeTar([
      { name: '../escape', body: 'x' },
      { name: 'big', body: Buffer.alloc(200_000, 1) },
      { name: 'code', body: '0' },
    ]);
    const gz = gzipSync(tarball, { level: 0 });
    const validator = new ArchiveValidator();
    validator.write(gz.subarray(0, 4096));
    expect(validator.failed).toBe(true);
    await expect(validator.done).rejects.toThrow("tar entry '../escape' has a '..' component");
  });

  it('inflates a highly compressed chunk over several turns of the event loop', async () => {
    // 64 MiB of zeros gzip to ~64 KiB: one chunk, far beyond what one turn may inflate.
    const gz = gzipSync(
      await makeTar([
        { name: 'zeros', body: Buffer.alloc(64 * 1024 * 1024) },
        { name: 'code', body: '0' },
      ]),
    );
    expect(gz.length).toBeLessThan(128 * 1024);
    const validator = new ArchiveValidator();
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const more = validator.write(gz);
      expect(more).toBe(false);
      await new Promise<void>((resolve) => validator.onDrain(resolve));
      await validator.end();
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(2);
  });

  it('passes an archive written in chunks of every size', async () => {
    const gz = await makeTarGz([
      { name: 'proj/out', type: 'directory' },
      { name: 'proj/out/a.txt', body: 'a'.repeat(100_000) },
      { name: 'code', body: '0' },
    ]);
    for (const size of [1, 100, 65_536]) {
      const validator = new ArchiveValidator();
      for (let at = 0; at < gz.length; at += size) {
        if (!validator.write(gz.subarray(at, at + size)))
          await new Promise<void>((resolve) => validator.onDrain(resolve));
      }
      await expect(validator.end()).resolves.toBeUndefined();
    }
  });
});
