import * as crypto from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { dirObjectMd5, parseDirObject, serializeDirObject, type DirEntry } from './dir-object';

const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');
const tree = (files: Record<string, string>): DirEntry[] =>
  Object.entries(files).map(([relpath, content]) => ({ relpath, md5: md5(content) }));

const PYTHON = '/usr/bin/python3';

describe('.dir objects as DVC 3 writes them', () => {
  it("hash to the values in DVC's own tests", () => {
    // iterative/dvc tests/func/test_install.py and test_virtual_directory.py: {foo: 'foo', bar: 'bar'}.
    expect(dirObjectMd5(tree({ foo: 'foo', bar: 'bar' }))).toBe('5ea40360f5b4ec688df672a4db9c17d1.dir');
    // tests/func/test_diff.py: {1: '1', 2: '2'}.
    expect(dirObjectMd5(tree({ 2: '2', 1: '1' }))).toBe('5fb6b29836c388e093ca0715c872fe2a.dir');
    // tests/func/test_install.py (merge driver): three files, 12 bytes.
    expect(dirObjectMd5(tree({ two: 'two', master: 'master', one: 'one' }))).toBe(
      '839ef9371606817569c1ee0e5f4ed233.dir',
    );
    expect(serializeDirObject(tree({ foo: 'foo', bar: 'bar' })).toString()).toBe(
      `[{"md5": "${md5('bar')}", "relpath": "bar"}, {"md5": "${md5('foo')}", "relpath": "foo"}]`,
    );
  });

  it("serialises byte for byte like Python's json.dumps(sorted(...), sort_keys=True)", () => {
    // Names where JSON.stringify or a UTF-16 sort would differ: non-ASCII (escaped by ensure_ascii),
    // an astral character (sorted by code point, written as a surrogate pair), DEL, quotes, tabs.
    const names = [
      'b.csv',
      'a/z.csv',
      'é.csv',
      'ｱ.csv',
      '😀.csv',
      'quo"te\\x',
      'tab\there',
      'del\u007f',
      'A.csv',
      'a b/c',
    ];
    const entries = names.map((relpath, i) => ({ relpath, md5: md5(String(i)) }));
    const script =
      'import json,sys,hashlib\n' +
      'l=json.loads(sys.stdin.read())\n' +
      "b=json.dumps(sorted(l,key=lambda e:e['relpath']),sort_keys=True).encode('utf-8')\n" +
      "sys.stdout.write(b.decode('ascii')+'\\n'+hashlib.md5(b).hexdigest())";
    const run = spawnSync(PYTHON, ['-c', script], { input: JSON.stringify(entries), encoding: 'utf8' });
    if (run.error || run.status !== 0) {
      throw new Error(
        `${PYTHON} is needed for this check (apt-get install python3): ${run.error ?? run.stderr}`,
      );
    }
    const [bytes, hash] = run.stdout.split('\n');
    expect(serializeDirObject(entries).toString('utf8')).toBe(bytes);
    expect(dirObjectMd5(entries)).toBe(`${hash}.dir`);
  });

  it('reads DVC listings, with-meta ones too, and refuses paths that leave the folder', () => {
    const plain = serializeDirObject(tree({ 'sub/b': 'b', a: 'a' }));
    expect(parseDirObject(plain, 'x')).toEqual([
      { md5: md5('a'), relpath: 'a' },
      { md5: md5('b'), relpath: 'sub/b' },
    ]);
    const withMeta = JSON.stringify([{ md5: md5('a'), relpath: 'a', size: 1, isexec: false }]);
    expect(parseDirObject(withMeta, 'x')).toEqual([{ md5: md5('a'), relpath: 'a' }]);
    const bad = (relpath: unknown) => JSON.stringify([{ md5: md5('a'), relpath }]);
    for (const relpath of ['../a', '/etc/passwd', 'a/../../b', 'a//b', './a', 'a\\..\\b', '', 7]) {
      expect(() => parseDirObject(bad(relpath), 'data/x.dvc: folder listing 1.dir')).toThrow(
        `data/x.dvc: folder listing 1.dir: entry 0 has relpath ${JSON.stringify(relpath)}, which does not stay inside the folder; the folder listing is corrupt: push it again from a workspace that has the folder ('cellar data add <folder>' then 'cellar data push')`,
      );
    }
    expect(() => parseDirObject('{"a": 1}', 'L')).toThrow(/^L: is not a JSON list;/);
    expect(() => parseDirObject(JSON.stringify([{ md5: 'x', relpath: 'a' }]), 'L')).toThrow(
      /^L: entry 0 has no md5 of 32 lowercase hex digits;/,
    );
    expect(() =>
      parseDirObject(
        JSON.stringify([
          { md5: md5('a'), relpath: 'a' },
          { md5: md5('b'), relpath: 'a/b' },
        ]),
        'L',
      ),
    ).toThrow(/^L: 'a' is listed as a file and as a folder;/);
  });
});
