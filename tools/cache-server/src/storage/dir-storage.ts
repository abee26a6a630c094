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
const fstatAsync = promisify(fs.fstat);
const futimesAsync = promisify(fs.futimes);

/**
 * Entries live in `<root>/entries/<hash>`, uploads are spooled in `<root>/tmp/` (same file system)
 * and published with link(2), which fails with EEXIST if the name is taken: first write wins with
 * no check-then-write window, also between servers sharing the volume (NFS included).
 */
export class DirectoryStorage implements CacheStorage {
  readonly description: string;
  readonly evictAfterWrites = true;
  readonly root: string;
  readonly entriesDir: string;
  readonly tmpDir: string;

  constructor(root: string) {
    this.root = path.resolve(root);
    this.entriesDir = path.join(this.root, 'entries');
    this.tmpDir = path.join(this.root, 'tmp');
    this.description = `dir:${this.root}`;
  }

  async open(): Promise<void> {
    try {
      await fs.promises.mkdir(this.entriesDir, { recursive: true });
      await fs.promises.mkdir(this.tmpDir, { recursive: true });
    } catch (err) {
      throw new CacheServerError(
        'STORAGE',
        `${this.root}: cannot create cache directory (${(err as NodeJS.ErrnoException).code}); check --storage and permissions`,
        { file: this.root },
      );
    }
  }

  spoolPath(): string {
    return path.join(this.tmpDir, `${randomBytes(12).toString('hex')}.${process.pid}`);
  }

  entryPath(hash: string): string {
    return path.join(this.entriesDir, hash);
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
      // The open fd keeps the bytes readable even if eviction unlinks the entry meanwhile.
      return {
        body: fs.createReadStream('', { fd, autoClose: true, highWaterMark: READ_CHUNK }),
        size: stat.size,
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

  async commit(hash: string, spoolFile: string, _size: number): Promise<CommitResult> {
    try {
      await fs.promises.link(spoolFile, this.entryPath(hash));
      return 'created';
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return 'exists';
      throw err;
    } finally {
      await fs.promises.rm(spoolFile, { force: true });
    }
  }

  async evict(policy: EvictionPolicy, now = Date.now()): Promise<EvictionReport> {
    const names = await fs.promises.readdir(this.entriesDir);
    const entries: { file: string; size: number; lastUsedMs: number }[] = [];
    for (const name of names) {
      const file = path.join(this.entriesDir, name);
      try {
        const stat = await fs.promises.stat(file);
        entries.push({ file, size: stat.size, lastUsedMs: Math.max(stat.atimeMs, stat.mtimeMs) });
      } catch {
        // removed by a concurrent eviction
      }
    }
    const { remove, keep } = planEviction(entries, policy, now);
    let removedBytes = 0;
    for (const entry of remove) {
      await fs.promises.rm(entry.file, { force: true });
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
