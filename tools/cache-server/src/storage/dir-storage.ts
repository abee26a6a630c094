import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { CacheServerError } from '../errors';
import {
  planEviction,
  type CacheEntry,
  type CacheStorage,
  type CommitResult,
  type EvictionPolicy,
  type EvictionReport,
} from './storage';

/** Spool files untouched for this long belong to a crashed process and are removed by eviction. */
const STALE_SPOOL_MS = 60 * 60 * 1000;
const READ_CHUNK = 256 * 1024;

const openAsync = promisify(fs.open);
const readAsync = promisify(fs.read);
const fstatAsync = promisify(fs.fstat);
const futimesAsync = promisify(fs.futimes);

const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * A stored entry ends with this footer: `CELLAR-SHA256 <64 hex digits>\n` after the archive bytes,
 * which are all that is served. A gzip stream cannot end that way (it ends with its binary CRC and
 * length), so an entry without one is told apart: it was stored before footers (its sum, if any, is
 * in `sums/`).
 */
const FOOTER_MAGIC = 'CELLAR-SHA256 ';
const FOOTER_BYTES = FOOTER_MAGIC.length + 64 + 1;

/** The sha256 a footer holds, or undefined when `tail` (an entry's last FOOTER_BYTES) is not one. */
function footerSum(tail: Buffer): string | undefined {
  if (tail.length !== FOOTER_BYTES || tail[FOOTER_BYTES - 1] !== 0x0a) return undefined;
  if (tail.toString('latin1', 0, FOOTER_MAGIC.length) !== FOOTER_MAGIC) return undefined;
  // A damaged digest is returned as is: it then fails verification like damaged entry bytes.
  return tail.toString('latin1', FOOTER_MAGIC.length, FOOTER_BYTES - 1);
}

/**
 * Entries live in `<root>/entries/<hash>`, uploads are spooled in `<root>/tmp/` (same file system)
 * and published with link(2), which fails with EEXIST if the name is taken: first write wins with
 * no check-then-write window, also between servers sharing the volume (NFS included). The sha256
 * of each entry is the entry file's footer (spoolTrailer), written with the body and so published
 * with it in the same link; entries stored before footers keep theirs in `<root>/sums/<hash>`, or
 * have none and are verified lazily. Entries that fail verification move to `<root>/quarantine/`.
 * (A sum file per entry cost a new inode and four file system calls per upload: about a sixth of
 * the PUT throughput in `npm run bench -- cache-server`.)
 */
export class DirectoryStorage implements CacheStorage {
  readonly description: string;
  readonly evictAfterWrites = true;
  readonly root: string;
  readonly entriesDir: string;
  readonly tmpDir: string;
  readonly sumsDir: string;
  readonly quarantineDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.entriesDir = path.join(this.root, 'entries');
    this.tmpDir = path.join(this.root, 'tmp');
    this.sumsDir = path.join(this.root, 'sums');
    this.quarantineDir = path.join(this.root, 'quarantine');
    this.description = `dir:${this.root}`;
  }

  async open(): Promise<void> {
    try {
      for (const dir of [this.entriesDir, this.tmpDir, this.sumsDir, this.quarantineDir])
        await fs.promises.mkdir(dir, { recursive: true });
    } catch (err) {
      throw new CacheServerError(
        'STORAGE',
        `${this.root}: cannot create cache directory (${(err as NodeJS.ErrnoException).code}); check --storage and permissions`,
        { file: this.root },
      );
    }
  }

  spoolTrailer(sha256: string): Buffer {
    if (!SHA256_HEX.test(sha256)) throw new CacheServerError('STORAGE', `not a sha256: '${sha256}'`);
    return Buffer.from(`${FOOTER_MAGIC}${sha256}\n`, 'latin1');
  }

  spoolPath(): string {
    return path.join(this.tmpDir, `${randomBytes(12).toString('hex')}.${process.pid}`);
  }

  entryPath(hash: string): string {
    return path.join(this.entriesDir, hash);
  }

  sumPath(hash: string): string {
    return path.join(this.sumsDir, hash);
  }

  private async readSum(hash: string): Promise<string | undefined> {
    try {
      // A damaged sum file is returned as is: it then fails verification like damaged entry bytes.
      return (await fs.promises.readFile(this.sumPath(hash), 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  /** Writes `<root>/sums/<hash>` atomically (temp file + rename). */
  private async writeSum(hash: string, sha256: string): Promise<void> {
    if (!SHA256_HEX.test(sha256)) throw new CacheServerError('STORAGE', `not a sha256: '${sha256}'`);
    const tmp = this.spoolPath();
    await fs.promises.writeFile(tmp, `${sha256}\n`, { flag: 'wx' });
    try {
      await fs.promises.rename(tmp, this.sumPath(hash));
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw err;
    }
  }

  async get(hash: string): Promise<CacheEntry | undefined> {
    // A numeric fd rather than a FileHandle: FileHandle-backed read streams go through a promise per
    // chunk and serve about half as fast.
    let fd: number;
    try {
      fd = await openAsync(this.entryPath(hash), 'r');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    try {
      const stat = await fstatAsync(fd);
      if (!stat.isFile()) {
        throw new CacheServerError(
          'STORAGE',
          `${this.entryPath(hash)}: cache entry is not a regular file; remove it`,
          { file: this.entryPath(hash) },
        );
      }
      // Explicit atime bump: noatime/relatime mounts would not record the use, and eviction is LRU.
      await futimesAsync(fd, new Date(), stat.mtime).catch(() => undefined);
      let size = stat.size;
      let sha256: string | undefined;
      if (stat.size > FOOTER_BYTES) {
        const tail = Buffer.alloc(FOOTER_BYTES);
        const { bytesRead } = await readAsync(fd, tail, 0, FOOTER_BYTES, stat.size - FOOTER_BYTES);
        sha256 = footerSum(tail.subarray(0, bytesRead));
        if (sha256 !== undefined) size -= FOOTER_BYTES;
      }
      sha256 ??= await this.readSum(hash);
      // The open fd keeps the bytes readable even if eviction unlinks the entry meanwhile.
      return {
        size,
        sha256,
        open: () =>
          fs.createReadStream('', {
            fd,
            start: 0,
            end: size - 1,
            autoClose: false,
            highWaterMark: READ_CHUNK,
          }),
        readAll: async () => {
          const buffer = Buffer.allocUnsafe(size);
          let filled = 0;
          while (filled < size) {
            const { bytesRead } = await readAsync(fd, buffer, filled, size - filled, filled);
            if (bytesRead === 0) break;
            filled += bytesRead;
          }
          return buffer.subarray(0, filled);
        },
        release: () => fs.close(fd, () => undefined),
      };
    } catch (err) {
      fs.close(fd, () => undefined);
      throw err;
    }
  }

  async has(hash: string): Promise<boolean> {
    try {
      await fs.promises.access(this.entryPath(hash));
      return true;
    } catch {
      return false;
    }
  }

  /** A spool file with a sha256 ends with spoolTrailer(sha256): the entry carries its own sum. */
  async commit(hash: string, spoolFile: string): Promise<CommitResult> {
    try {
      await fs.promises.link(spoolFile, this.entryPath(hash));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw err;
    } finally {
      await fs.promises.rm(spoolFile, { force: true });
    }
    // A sums/<hash> left from before footers is read only for an entry without one.
    return 'created';
  }

  recordChecksum(hash: string, sha256: string): Promise<void> {
    return this.writeSum(hash, sha256);
  }

  async quarantine(hash: string): Promise<string | undefined> {
    const target = path.join(this.quarantineDir, `${hash}.${Date.now()}`);
    try {
      await fs.promises.rename(this.entryPath(hash), target);
    } catch (err) {
      // Moved by a concurrent request already.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    await fs.promises.rename(this.sumPath(hash), `${target}.sha256`).catch(() => undefined);
    return path.relative(this.root, target);
  }

  async delete(hash: string): Promise<boolean> {
    // Sum first: a crash in between leaves an entry without a sum, which is verified lazily.
    await fs.promises.rm(this.sumPath(hash), { force: true });
    try {
      await fs.promises.unlink(this.entryPath(hash));
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw err;
    }
  }

  async *list(): AsyncIterable<string> {
    yield* (await fs.promises.readdir(this.entriesDir)).sort();
  }

  async emptyQuarantine(): Promise<number> {
    const names = await fs.promises.readdir(this.quarantineDir);
    for (const name of names) await fs.promises.rm(path.join(this.quarantineDir, name), { force: true });
    return names.length;
  }

  async evict(policy: EvictionPolicy, now = Date.now()): Promise<EvictionReport> {
    const names = await fs.promises.readdir(this.entriesDir);
    const entries: { hash: string; size: number; lastUsedMs: number }[] = [];
    for (const name of names) {
      const file = path.join(this.entriesDir, name);
      try {
        const stat = await fs.promises.stat(file);
        entries.push({ hash: name, size: stat.size, lastUsedMs: Math.max(stat.atimeMs, stat.mtimeMs) });
      } catch {
        // removed by a concurrent eviction
      }
    }
    const { remove, keep } = planEviction(entries, policy, now);
    let removedBytes = 0;
    for (const entry of remove) {
      await this.delete(entry.hash);
      removedBytes += entry.size;
    }
    await this.removeStaleSpools(now);
    return {
      removed: remove.length,
      removedBytes,
      keptEntries: keep.length,
      keptBytes: keep.reduce((sum, e) => sum + e.size, 0),
    };
  }

  private async removeStaleSpools(now: number): Promise<void> {
    for (const name of await fs.promises.readdir(this.tmpDir)) {
      const file = path.join(this.tmpDir, name);
      const stat = await fs.promises.stat(file).catch(() => undefined);
      if (stat && now - stat.mtimeMs > STALE_SPOOL_MS) await fs.promises.rm(file, { force: true });
    }
  }

  async close(): Promise<void> {
    // nothing held open
  }
}
