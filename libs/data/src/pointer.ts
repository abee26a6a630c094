import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from './atomic-write';
import { errorMessage } from '@cellar/config';
import { DataError } from './data-error';
import { MD5_RE } from './md5';

/** One output of a DVC 3 `.dvc` file. `path` is relative to the pointer's folder. */
export interface DataPointer {
  md5: string;
  size: number;
  path: string;
}

export function readPointer(file: string, displayPath: string = file): DataPointer {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataError(
        'FILE_NOT_FOUND',
        `${displayPath}: pointer file not found; run 'cellar data add <file>' first`,
        {
          file: displayPath,
        },
      );
    }
    throw new DataError('FILE_NOT_FOUND', `${displayPath}: cannot read pointer file (${errorMessage(err)})`, {
      file: displayPath,
      cause: err,
    });
  }
  let doc: unknown;
  try {
    // failsafe: every scalar stays a string, so an all-digit md5 (or one like 12e45...) is not read as a number.
    doc = parse(text, { schema: 'failsafe' });
  } catch (err) {
    throw new DataError(
      'INVALID_POINTER',
      `${displayPath}: not valid YAML (${errorMessage(err).split('\n')[0]})`,
      {
        file: displayPath,
        cause: err,
      },
    );
  }
  const bad = (key: string, what: string): DataError =>
    new DataError('INVALID_POINTER', `${displayPath}: ${key} ${what}; re-create it with 'cellar data add'`, {
      file: displayPath,
      key,
    });
  const outs = (doc as { outs?: unknown } | null)?.outs;
  if (!Array.isArray(outs) || outs.length === 0) throw bad('outs', 'must be a non-empty list');
  if (outs.length > 1)
    throw bad('outs', `has ${outs.length} entries but only single-file pointers are supported`);
  const out = outs[0] as Record<string, unknown>;
  if (typeof out !== 'object' || out === null) throw bad('outs[0]', 'must be a mapping');
  if (out.hash !== 'md5') {
    throw bad(
      'outs[0].hash',
      `must be 'md5' (got ${JSON.stringify(out.hash)}; DVC 2 pointers are not supported)`,
    );
  }
  if (typeof out.md5 !== 'string' || !MD5_RE.test(out.md5))
    throw bad('outs[0].md5', 'must be 32 lowercase hex digits');
  if (typeof out.size !== 'string' || !/^\d+$/.test(out.size))
    throw bad('outs[0].size', 'must be a non-negative integer');
  const size = Number(out.size);
  if (typeof out.path !== 'string' || out.path === '')
    throw bad('outs[0].path', 'must be a non-empty string');
  if (path.isAbsolute(out.path) || out.path.split(/[\\/]/).includes('..')) {
    throw bad('outs[0].path', `must stay inside the pointer's folder (got '${out.path}')`);
  }
  return { md5: out.md5, size, path: out.path };
}

/** Writes the exact shape DVC 3 writes, so `dvc pull` can read it too. */
export function writePointer(file: string, p: DataPointer): void {
  const pathScalar = stringify(p.path).trimEnd();
  const text = `outs:\n- md5: ${p.md5}\n  size: ${p.size}\n  hash: md5\n  path: ${pathScalar}\n`;
  writeFileAtomic(file, text);
}

/** The data file a pointer tracks. */
export function pointerTarget(pointerFile: string, p: DataPointer): string {
  return path.resolve(path.dirname(pointerFile), p.path);
}
