import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar-stream';

// Fixed, so an archive's bytes depend only on its entries.
const MTIME = new Date('2026-01-01T00:00:00Z');

export interface TestEntry {
  name: string;
  type?: tar.Header['type'];
  linkname?: string;
  body?: string | Buffer;
}

/** An uncompressed tar of `entries`, written by tar-stream exactly as given (no path cleaning). */
export async function makeTar(entries: readonly TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const ended = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const body = type === 'file' ? Buffer.from(e.body ?? '') : undefined;
    await new Promise<void>((resolve, reject) => {
      const header: Parameters<tar.Pack['entry']>[0] = {
        name: e.name,
        type,
        linkname: e.linkname,
        mode: 0o644,
        mtime: MTIME,
      };
      if (type === 'character-device' || type === 'block-device')
        Object.assign(header, { devmajor: 1, devminor: 3 });
      const done = (err?: Error | null) => (err ? reject(err) : resolve());
      if (body === undefined) pack.entry(header, done);
      else pack.entry(header, body, done);
    });
  }
  pack.finalize();
  await ended;
  return Buffer.concat(chunks);
}

/**
 * Rewrites the headers of `names` as pre-POSIX (v7) headers without magic, the way Nx 23 writes
 * `terminalOutput` and `code`.
 */
export function asV7Headers(tarball: Buffer, names: readonly string[]): Buffer {
  const out = Buffer.from(tarball);
  for (let off = 0; off + 512 <= out.length;) {
    const header = out.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const name = header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, '');
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    if (names.includes(name)) {
      header.fill(0, 257, 500); // magic, version, owner names, device numbers, prefix
      header.fill(0x20, 148, 156);
      const sum = header.reduce((a, b) => a + b, 0);
      header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'ascii');
    }
    off += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

export async function makeTarGz(entries: readonly TestEntry[]): Promise<Buffer> {
  return gzipSync(await makeTar(entries));
}

/** What Nx 23 uploads for a task: its outputs plus `terminalOutput` and `code` (v7 headers). */
export async function nxArchive(text = 'built', extra: readonly TestEntry[] = []): Promise<Buffer> {
  const tarball = await makeTar([
    { name: 'proj', type: 'directory' },
    { name: 'proj/out', type: 'directory' },
    { name: 'proj/out/result.txt', body: text },
    ...extra,
    { name: 'terminalOutput', body: `> build\n${text}\n` },
    { name: 'code', body: '0' },
  ]);
  return gzipSync(asV7Headers(tarball, ['terminalOutput', 'code']));
}

/**
 * What DirectoryStorage keeps for an uploaded body: the body, then the footer with its sha256
 * (`CELLAR-SHA256 <hex>\n`). Spelled out here rather than imported, so the tests pin the format.
 */
export function storedEntry(body: Buffer): Buffer {
  const sha256 = createHash('sha256').update(body).digest('hex');
  return Buffer.concat([body, Buffer.from(`CELLAR-SHA256 ${sha256}\n`, 'latin1')]);
}
