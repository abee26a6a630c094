import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { md5File } from './md5';
import { pointerTarget, readPointer, writePointer } from './pointer';
import { makeTempDir, REPO_ROOT, WINE_CSV, WINE_MD5 } from './test-utils';

describe('pointer files', () => {
  it('reads the committed DVC 3 pointer', () => {
    const file = path.join(REPO_ROOT, 'data/external/WineQT.csv.dvc');
    const p = readPointer(file);
    expect(p).toEqual({ md5: WINE_MD5, size: 78057, path: 'WineQT.csv' });
    expect(pointerTarget(file, p)).toBe(path.join(REPO_ROOT, 'data/external/WineQT.csv'));
  });

  it('writes exactly the shape DVC 3 writes and reads it back', () => {
    const file = path.join(makeTempDir(), 'WineQT.csv.dvc');
    writePointer(file, { md5: WINE_MD5, size: 78057, path: 'WineQT.csv' });
    expect(fs.readFileSync(file, 'utf8')).toBe(
      fs.readFileSync(path.join(REPO_ROOT, 'data/external/WineQT.csv.dvc'), 'utf8'),
    );
    writePointer(file, { md5: WINE_MD5, size: 1, path: 'a: b.csv' });
    expect(readPointer(file).path).toBe('a: b.csv');
    expect(fs.readdirSync(path.dirname(file))).toEqual(['WineQT.csv.dvc']);
  });

  it('rejects broken pointers with the key that is wrong', () => {
    const dir = makeTempDir();
    const write = (text: string): string => {
      fs.writeFileSync(path.join(dir, 'x.dvc'), text);
      return path.join(dir, 'x.dvc');
    };
    expect(() =>
      readPointer(write('outs:\n- md5: abc\n  size: 1\n  hash: md5\n  path: x\n'), 'data/x.dvc'),
    ).toThrow(
      "data/x.dvc: outs[0].md5 must be 32 lowercase hex digits (a folder's followed by .dir); re-create it with 'cellar data add'",
    );
    expect(() =>
      readPointer(write(`outs:\n- md5: ${WINE_MD5}\n  size: 1\n  path: x\n`), 'data/x.dvc'),
    ).toThrow(
      "data/x.dvc: outs[0].hash must be 'md5' (got undefined; DVC 2 pointers are not supported); re-create it with 'cellar data add'",
    );
    expect(() =>
      readPointer(write(`outs:\n- md5: ${WINE_MD5}\n  size: 1\n  hash: md5\n  path: ../x\n`), 'data/x.dvc'),
    ).toThrow(
      "data/x.dvc: outs[0].path must stay inside the pointer's folder (got '../x'); re-create it with 'cellar data add'",
    );
    const digits = '12e45678901234567890123456789012';
    expect(readPointer(write(`outs:\n- md5: ${digits}\n  size: 12\n  hash: md5\n  path: x\n`))).toEqual({
      md5: digits,
      size: 12,
      path: 'x',
    });
    expect(() => readPointer(path.join(dir, 'none.dvc'), 'data/none.dvc')).toThrow(
      "data/none.dvc: pointer file not found; run 'cellar data add <file>' first",
    );
  });

  it('md5File streams the file', async () => {
    expect(await md5File(WINE_CSV)).toBe(WINE_MD5);
    const empty = path.join(makeTempDir(), 'e');
    fs.writeFileSync(empty, '');
    expect(await md5File(empty)).toBe('d41d8cd98f00b204e9800998ecf8427e');
  });
});
