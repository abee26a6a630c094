import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempPathFor } from '@cellar/data';
import { TrackingError } from '../errors';

/** A run-relative artifact name with forward slashes, or a TrackingError for anything that could escape. */
export function normalizeArtifactName(name: string): string {
  const slashed = name.replace(/\\/g, '/');
  const normal = path.posix.normalize(slashed);
  const bad =
    slashed.trim() === '' ||
    slashed.includes('\0') ||
    path.posix.isAbsolute(slashed) ||
    /^[A-Za-z]:/.test(slashed) ||
    slashed.split('/').some((part) => part === '..' || part === '.' || part === '') ||
    normal.startsWith('../');
  if (bad) {
    throw new TrackingError(
      'INVALID_NAME',
      `artifact name '${name}' must be a relative path inside the run's artifact folder (no '..', '.', empty or absolute parts)`,
      {
        key: name,
      },
    );
  }
  return normal;
}

/** Copies src to dest via a temp file + rename, hashing on the way; dest is never half-written. */
export function copyFileAtomic(src: string, dest: string): { size: number; sha256: string } {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  const hash = crypto.createHash('sha256');
  let size = 0;
  const input = fs.openSync(src, 'r');
  let output: number | undefined;
  try {
    output = fs.openSync(tmp, 'wx');
    const buffer = Buffer.allocUnsafe(1 << 20);
    for (;;) {
      const n = fs.readSync(input, buffer, 0, buffer.length, null);
      if (n === 0) break;
      hash.update(buffer.subarray(0, n));
      let written = 0;
      while (written < n) written += fs.writeSync(output, buffer, written, n - written);
      size += n;
    }
    fs.fsyncSync(output);
    fs.closeSync(output);
    output = undefined;
    fs.renameSync(tmp, dest);
  } catch (err) {
    if (output !== undefined) fs.closeSync(output);
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    fs.closeSync(input);
  }
  return { size, sha256: hash.digest('hex') };
}

/** Total bytes of regular files under dir; 0 when it does not exist. */
export function folderSize(dir: string): number {
  let total = 0;
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) total += folderSize(full);
    else if (entry.isFile()) total += fs.statSync(full).size;
  }
  return total;
}
