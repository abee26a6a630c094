import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempPathFor } from '@cellar/data';

/** Copies src to dest through a temp file and a rename; returns the bytes copied. */
export function copyFileAtomic(src: string, dest: string): number {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = tempPathFor(dest);
  try {
    fs.copyFileSync(src, tmp);
    fs.renameSync(tmp, dest);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
  return fs.statSync(dest).size;
}
