import * as fs from 'node:fs';
import * as path from 'node:path';

export interface FolderEntry {
  /** POSIX path relative to the folder. */
  relpath: string;
  abs: string;
  kind: 'file' | 'symlink' | 'other';
}

/**
 * What DVC leaves out of a tracked folder whatever .dvcignore says: its default ignore patterns
 * `.hg/`, `.git/`, `.git` and `.dvc/` (dvc/ignore.py, DvcIgnoreFilter).
 */
function ignoredByDvc(name: string, isDir: boolean): boolean {
  return name === '.git' || (isDir && (name === '.hg' || name === '.dvc'));
}

/** Every file below `dir` (symlinks not followed), sorted by relpath; [] when `dir` does not exist. */
export async function listFolder(dir: string): Promise<FolderEntry[]> {
  const found: FolderEntry[] = [];
  const walk = async (abs: string, rel: string): Promise<void> => {
    let entries: fs.Dirent[];
    try {
      entries = await fs.promises.readdir(abs, { withFileTypes: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw err;
    }
    for (const e of entries) {
      if (ignoredByDvc(e.name, e.isDirectory())) continue;
      const childAbs = path.join(abs, e.name);
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) await walk(childAbs, childRel);
      else
        found.push({
          relpath: childRel,
          abs: childAbs,
          kind: e.isFile() ? 'file' : e.isSymbolicLink() ? 'symlink' : 'other',
        });
    }
  };
  await walk(dir, '');
  return found.sort((a, b) => Buffer.compare(Buffer.from(a.relpath), Buffer.from(b.relpath)));
}

/** Removes the now-empty folders between `file` and `top` (exclusive), bottom-up. */
export async function pruneEmptyParents(file: string, top: string): Promise<void> {
  let dir = path.dirname(file);
  while (dir.startsWith(top + path.sep)) {
    try {
      await fs.promises.rmdir(dir);
    } catch {
      return;
    }
    dir = path.dirname(dir);
  }
}
