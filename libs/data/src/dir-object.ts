import * as crypto from 'node:crypto';
import { DataError } from './data-error';
import { MD5_RE } from './md5';

/** One file of a tracked folder, as a DVC 3 `.dir` object lists it. */
export interface DirEntry {
  md5: string;
  /** POSIX path relative to the tracked folder. */
  relpath: string;
}

export const DIR_SUFFIX = '.dir';

export function isDirMd5(md5: string): boolean {
  return md5.endsWith(DIR_SUFFIX);
}

/** Python's `sorted()` on str compares code points; UTF-8 bytes sort the same way (UTF-16 units do not). */
function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** A string as Python's `json.dumps` writes it (ensure_ascii=True: everything outside ' '..'~' escaped). */
function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c === 0x08) out += '\\b';
    else if (c === 0x0c) out += '\\f';
    // UTF-16 code units: a character outside the BMP comes out as its surrogate pair, as in Python.
    else if (c < 0x20 || c > 0x7e) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += s[i];
  }
  return `${out}"`;
}

/** Entries sorted by relpath, as dvc-data's `Tree.as_list()` returns them. */
export function sortDirEntries(entries: DirEntry[]): DirEntry[] {
  return [...entries].sort((a, b) => compareCodePoints(a.relpath, b.relpath));
}

/**
 * The bytes DVC 3 stores as a `.dir` object: dvc-data's `Tree.as_bytes()`, i.e.
 * `json.dumps(sorted(entries, key=relpath), sort_keys=True)` with Python's default separators
 * (`", "`, `": "`) and ensure_ascii. Only `md5` and `relpath` per entry (no meta), which is also
 * what DVC hashes.
 */
export function serializeDirObject(entries: DirEntry[]): Buffer {
  const items = sortDirEntries(entries).map(
    (e) => `{"md5": ${pythonJsonString(e.md5)}, "relpath": ${pythonJsonString(e.relpath)}}`,
  );
  return Buffer.from(`[${items.join(', ')}]`, 'utf8');
}

/**
 * `<md5 of the serialised object>.dir`, the value DVC writes as `outs[0].md5` of a folder pointer.
 * Checked against DVC's own tests (iterative/dvc): {foo: "foo", bar: "bar"} ->
 * 5ea40360f5b4ec688df672a4db9c17d1.dir (tests/func/test_install.py, test_virtual_directory.py),
 * {1: "1", 2: "2"} -> 5fb6b29836c388e093ca0715c872fe2a.dir (tests/func/test_diff.py).
 */
export function dirObjectMd5(entries: DirEntry[]): string {
  return `${crypto.createHash('md5').update(serializeDirObject(entries)).digest('hex')}${DIR_SUFFIX}`;
}

function invalid(where: string, what: string): DataError {
  return new DataError(
    'INVALID_DIR_OBJECT',
    `${where}: ${what}; the folder listing is corrupt: push it again from a workspace that has the folder ('cellar data add <folder>' then 'cellar data push')`,
    { file: where },
  );
}

/** A relpath that stays inside its folder: no absolute path, no '', '.' or '..' segment, no backslash. */
export function isSafeRelpath(relpath: string): boolean {
  if (relpath === '' || relpath.startsWith('/') || relpath.includes('\\') || relpath.includes('\0'))
    return false;
  return relpath.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

/**
 * Reads a `.dir` object (DVC's bytes, or the with-meta variant some DVC versions keep: extra keys per
 * entry are ignored). `where` names it in errors (e.g. "data/images.dvc: object 1234….dir").
 */
export function parseDirObject(bytes: Buffer | string, where: string): DirEntry[] {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof bytes === 'string' ? bytes : bytes.toString('utf8'));
  } catch {
    throw invalid(where, 'is not JSON');
  }
  if (!Array.isArray(raw)) throw invalid(where, 'is not a JSON list');
  const seen = new Set<string>();
  const entries = raw.map((item: unknown, i): DirEntry => {
    const e = item as { md5?: unknown; relpath?: unknown } | null;
    if (typeof e !== 'object' || e === null) throw invalid(where, `entry ${i} is not an object`);
    if (typeof e.md5 !== 'string' || !MD5_RE.test(e.md5))
      throw invalid(where, `entry ${i} has no md5 of 32 lowercase hex digits`);
    if (typeof e.relpath !== 'string' || !isSafeRelpath(e.relpath)) {
      throw invalid(
        where,
        `entry ${i} has relpath ${JSON.stringify(e.relpath)}, which does not stay inside the folder`,
      );
    }
    if (seen.has(e.relpath)) throw invalid(where, `relpath '${e.relpath}' is listed twice`);
    seen.add(e.relpath);
    return { md5: e.md5, relpath: e.relpath };
  });
  // A file and a folder of the same name cannot both exist: 'a' and 'a/b'.
  for (const r of seen) {
    const parts = r.split('/');
    for (let k = 1; k < parts.length; k++) {
      const prefix = parts.slice(0, k).join('/');
      if (seen.has(prefix)) throw invalid(where, `'${prefix}' is listed as a file and as a folder`);
    }
  }
  return sortDirEntries(entries);
}
