import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse, stringify } from 'yaml';
import { writeFileAtomic } from './atomic-write';
import { errorMessage } from '@cellar/config';
import { DataError } from './data-error';

/**
 * One output of a DVC 3 `.dvc` file. `path` is relative to the pointer's folder. A folder's md5 ends
 * in `.dir` (the md5 of its listing object) and it has `nfiles`; `size` is then the folder's total.
 */
export interface DataPointer {
  md5: string;
  size: number;
  path: string;
  nfiles?: number;
}

const POINTER_MD5_RE = /^[0-9a-f]{32}(\.dir)?$/;

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
    throw bad('outs', `has ${outs.length} entries but only one output per pointer is supported`);
  const out = outs[0] as Record<string, unknown>;
  if (typeof out !== 'object' || out === null) throw bad('outs[0]', 'must be a mapping');
  if (out.hash !== 'md5') {
    throw bad(
      'outs[0].hash',
      `must be 'md5' (got ${JSON.stringify(out.hash)}; DVC 2 pointers are not supported)`,
    );
  }
  if (typeof out.md5 !== 'string' || !POINTER_MD5_RE.test(out.md5))
    throw bad('outs[0].md5', "must be 32 lowercase hex digits (a folder's followed by .dir)");
  if (typeof out.size !== 'string' || !/^\d+$/.test(out.size))
    throw bad('outs[0].size', 'must be a non-negative integer');
  const size = Number(out.size);
  if (typeof out.path !== 'string' || out.path === '')
    throw bad('outs[0].path', 'must be a non-empty string');
  if (path.isAbsolute(out.path) || out.path.split(/[\\/]/).includes('..') || /^\.?\/*$/.test(out.path)) {
    throw bad('outs[0].path', `must stay inside the pointer's folder (got '${out.path}')`);
  }
  const isDir = out.md5.endsWith('.dir');
  if (out.nfiles !== undefined && (typeof out.nfiles !== 'string' || !/^\d+$/.test(out.nfiles)))
    throw bad('outs[0].nfiles', 'must be a non-negative integer');
  if (out.nfiles !== undefined && !isDir)
    throw bad('outs[0].nfiles', "is only valid for a folder (an md5 ending in '.dir')");
  const p: DataPointer = { md5: out.md5, size, path: out.path.replace(/\/+$/, '') };
  if (out.nfiles !== undefined) p.nfiles = Number(out.nfiles);
  return p;
}

/** Writes the exact shape DVC 3 writes, so `dvc pull` can read it too. */
export function writePointer(file: string, p: DataPointer): void {
  const pathScalar = stringify(p.path).trimEnd();
  // DVC's key order: md5, size, nfiles (folders), hash, path.
  const nfiles = p.nfiles === undefined ? '' : `  nfiles: ${p.nfiles}\n`;
  const text = `outs:\n- md5: ${p.md5}\n  size: ${p.size}\n${nfiles}  hash: md5\n  path: ${pathScalar}\n`;
  writeFileAtomic(file, text);
}

/** The data file a pointer tracks. */
export function pointerTarget(pointerFile: string, p: DataPointer): string {
  return path.resolve(path.dirname(pointerFile), p.path);
}
