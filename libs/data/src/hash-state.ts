import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { md5File } from './md5';

/** Where the md5s of workspace files are remembered, keyed by path relative to the root. */
export const HASH_STATE_FILE = '.cellar/md5-state.json';

interface Known {
  size: string;
  mtimeNs: string;
  ino: string;
  md5: string;
}

/** A file changed within this long of being hashed could change again without its mtime moving. */
const RACY_NS = 2_000_000_000n;

/**
 * DVC's "state" idea: a file whose size, mtime (ns) and inode are what they were when it was hashed is
 * not hashed again, so a pull of a large, unchanged folder costs a stat per file. Entries for files
 * modified less than 2 s before they were hashed are not kept (git's "racy" rule).
 */
export class HashState {
  private known: Record<string, Known>;
  private readonly changed = new Map<string, Known>();

  private constructor(
    private readonly root: string,
    known: Record<string, Known>,
  ) {
    this.known = known;
  }

  static load(root: string): HashState {
    return new HashState(root, readState(root));
  }

  private key(file: string): string {
    return path.relative(this.root, file).split(path.sep).join('/');
  }

  async md5Of(file: string, limit: <T>(fn: () => Promise<T>) => Promise<T>): Promise<string> {
    const before = await fs.promises.stat(file, { bigint: true });
    const key = this.key(file);
    const rec = this.changed.get(key) ?? (Object.hasOwn(this.known, key) ? this.known[key] : undefined);
    if (
      rec &&
      rec.size === String(before.size) &&
      rec.mtimeNs === String(before.mtimeNs) &&
      rec.ino === String(before.ino)
    ) {
      return rec.md5;
    }
    const md5 = await limit(() => md5File(file));
    const after = await fs.promises.stat(file, { bigint: true });
    const settled =
      after.mtimeNs === before.mtimeNs && after.size === before.size && after.ino === before.ino;
    if (settled && BigInt(Date.now()) * 1_000_000n - after.mtimeNs > RACY_NS) {
      this.changed.set(key, {
        size: String(after.size),
        mtimeNs: String(after.mtimeNs),
        ino: String(after.ino),
        md5,
      });
    }
    return md5;
  }

  /** Merges with what other processes wrote meanwhile; losing an entry only costs a hash later. */
  save(): void {
    if (this.changed.size === 0) return;
    const merged = { ...readState(this.root), ...Object.fromEntries(this.changed) };
    for (const key of Object.keys(merged)) {
      if (!fs.existsSync(path.join(this.root, key))) delete merged[key];
    }
    try {
      writeFileAtomic(path.join(this.root, HASH_STATE_FILE), JSON.stringify(merged));
      // Ignored by git in any workspace, whatever its own .gitignore says ('*' ignores itself too).
      const ignore = path.join(this.root, path.dirname(HASH_STATE_FILE), '.gitignore');
      if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, '*\n');
      this.known = merged;
      this.changed.clear();
    } catch {
      // A read-only workspace still pulls; it only hashes again next time.
    }
  }
}

function readState(root: string): Record<string, Known> {
  try {
    const parsed = JSON.parse(fs.readFileSync(path.join(root, HASH_STATE_FILE), 'utf8')) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed))
      return parsed as Record<string, Known>;
  } catch {
    // Absent or unreadable: start afresh.
  }
  return {};
}
