// Folder pointers (DVC 3 `.dir` outputs), the local cache and checkout, against real local remotes.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { addData, checkoutData, dataStatus, pullData, pushData } from './sync';
import { makeTempDir, makeWorkspace, WINE_CSV, wineWorkspace } from './test-utils';

const md5 = (s: string | Buffer) => crypto.createHash('md5').update(s).digest('hex');
const objectPath = (remote: string, hash: string) =>
  path.join(remote, 'files/md5', hash.slice(0, 2), hash.slice(2));

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

/** Files below `dir` with their contents, as a sorted map. */
function readTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (abs: string, rel: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(path.join(abs, e.name), r);
      else out[r] = fs.readFileSync(path.join(abs, e.name), 'utf8');
    }
  };
  walk(dir, '');
  return Object.fromEntries(Object.entries(out).sort());
}

/**
 * A remote as DVC 3 lays it out, written by hand (not with Cellar's serialiser): every file under
 * files/md5/<2>/<30>, and the folder listing as `[{"md5": …, "relpath": …}, …]` under `<md5>.dir`.
 */
function dvcRemote(versions: Record<string, string>[]): { remote: string; dirs: string[] } {
  const remote = makeTempDir('cellar-dvc-remote-');
  const dirs = versions.map((files) => {
    const names = Object.keys(files).sort();
    for (const n of names) {
      fs.mkdirSync(path.dirname(objectPath(remote, md5(files[n]))), { recursive: true });
      fs.writeFileSync(objectPath(remote, md5(files[n])), files[n]);
    }
    const listing = `[${names.map((n) => `{"md5": "${md5(files[n])}", "relpath": "${n}"}`).join(', ')}]`;
    const dir = `${md5(listing)}.dir`;
    fs.mkdirSync(path.dirname(objectPath(remote, dir)), { recursive: true });
    fs.writeFileSync(objectPath(remote, dir), listing);
    return dir;
  });
  return { remote, dirs };
}

const folderPointer = (dir: string, files: Record<string, string>, name = 'data') =>
  `outs:\n- md5: ${dir}\n  size: ${Object.values(files).reduce((n, c) => n + Buffer.byteLength(c), 0)}\n  nfiles: ${Object.keys(files).length}\n  hash: md5\n  path: ${name}\n`;

const V1 = { foo: 'foo', bar: 'bar' };
const V2 = { foo: 'foo', bar: 'bar v2', 'sub/baz': 'baz' };

describe('a DVC 3 folder pointer pulled from a DVC-layout remote', () => {
  it('checking out back and forth downloads nothing the second time', async () => {
    const { remote, dirs } = dvcRemote([V1, V2]);
    // The very pointer DVC writes for {foo, bar} (iterative/dvc tests/func/test_install.py).
    expect(dirs[0]).toBe('5ea40360f5b4ec688df672a4db9c17d1.dir');
    const v1Pointer = folderPointer(dirs[0], V1);
    expect(v1Pointer).toBe(
      'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
    );
    const v2Pointer = folderPointer(dirs[1], V2);
    const root = makeWorkspace({ 'data/data.dvc': v1Pointer });
    const pointerFile = path.join(root, 'data/data.dvc');
    const folder = path.join(root, 'data/data');

    const first = await pullData({ root, remote, env: {} });
    expect(first).toEqual([
      {
        pointer: 'data/data.dvc',
        path: 'data/data',
        md5: dirs[0],
        size: 6,
        nfiles: 2,
        status: 'fetched',
        downloaded: 3, // the listing and two files
        written: 2,
        removed: 0,
      },
    ]);
    expect(readTree(folder)).toEqual(V1);

    // `git checkout` of a newer pointer: only what the cache lacks is read (listing, 'bar v2', 'baz').
    fs.writeFileSync(pointerFile, v2Pointer);
    const second = await pullData({ root, remote, env: {} });
    expect(second[0]).toMatchObject({ status: 'fetched', downloaded: 3, written: 2, removed: 0 });
    expect(readTree(folder)).toEqual(V2);

    // Back and forth with the remote gone: everything comes from .cellar/cache, no --force needed
    // (what is replaced or removed is in the cache), and the remote is never opened.
    fs.renameSync(remote, `${remote}-gone`);
    fs.writeFileSync(pointerFile, v1Pointer);
    const back = await pullData({ root, remote, env: {} });
    expect(back[0]).toMatchObject({ status: 'restored', downloaded: 0, written: 1, removed: 1 });
    expect(readTree(folder)).toEqual(V1);
    fs.writeFileSync(pointerFile, v2Pointer);
    const forth = await checkoutData({ root, env: {} });
    expect(forth[0]).toMatchObject({ status: 'restored', downloaded: 0, written: 2, removed: 0 });
    expect(readTree(folder)).toEqual(V2);
    // Pull with no remote configured at all is fine when nothing needs downloading.
    expect((await pullData({ root, env: {} }))[0].status).toBe('up-to-date');
  });

  it('the same for a single-file pointer: the version it replaces is in the cache', async () => {
    const remote = makeTempDir('cellar-remote-');
    const root = makeWorkspace({ 'data/x.csv': 'a\n1\n' });
    await addData({ root, file: 'data/x.csv', push: true, remote, env: {} });
    const v1 = fs.readFileSync(path.join(root, 'data/x.csv.dvc'));
    fs.writeFileSync(path.join(root, 'data/x.csv'), 'a\n2\n');
    await addData({ root, file: 'data/x.csv', push: true, remote, env: {} });
    const v2 = fs.readFileSync(path.join(root, 'data/x.csv.dvc'));
    fs.rmSync(remote, { recursive: true });
    fs.writeFileSync(path.join(root, 'data/x.csv.dvc'), v1);
    expect((await pullData({ root, remote, env: {} }))[0]).toMatchObject({
      status: 'restored',
      downloaded: 0,
    });
    expect(fs.readFileSync(path.join(root, 'data/x.csv'), 'utf8')).toBe('a\n1\n');
    fs.writeFileSync(path.join(root, 'data/x.csv.dvc'), v2);
    expect((await checkoutData({ root, env: {} }))[0].status).toBe('restored');
    expect(fs.readFileSync(path.join(root, 'data/x.csv'), 'utf8')).toBe('a\n2\n');
  });

  it('a failed pull leaves the folder as it was and nothing half-written', async () => {
    const { remote, dirs } = dvcRemote([V2]);
    fs.rmSync(objectPath(remote, md5('baz')));
    const root = makeWorkspace({ 'data/data.dvc': folderPointer(dirs[0], V2) });
    const err = await rejection(pullData({ root, remote, env: {} }));
    expect(err.code).toBe('OBJECT_NOT_FOUND');
    expect(err.message).toBe(
      `data/data/sub/baz: object ${md5('baz')} is not in remote '${remote}' (${remote}); run 'cellar data push' where the file exists`,
    );
    expect(fs.existsSync(path.join(root, 'data/data'))).toBe(false);
    expect(fs.readdirSync(path.join(root, '.cellar/tmp'))).toEqual(['.gitignore']);

    // A listing whose bytes do not hash to its name is refused before any file is read.
    const listing = objectPath(remote, dirs[0]);
    fs.writeFileSync(listing, fs.readFileSync(listing, 'utf8').replace(md5('foo'), md5('FOO')));
    fs.rmSync(path.join(root, '.cellar/cache'), { recursive: true });
    const bad = await rejection(pullData({ root, remote, env: {} }));
    expect(bad.code).toBe('CHECKSUM_MISMATCH');
    expect(bad.message).toMatch(
      new RegExp(
        `^md5 mismatch for the listing of data/data from remote '.*': expected ${dirs[0]}, got [0-9a-f]{32}\\.dir; the remote object is corrupt$`,
      ),
    );
  });

  it('refuses to discard files the cache cannot give back, unless forced', async () => {
    const { remote, dirs } = dvcRemote([V1]);
    const root = makeWorkspace({
      'data/data.dvc': folderPointer(dirs[0], V1),
      'data/data/bar': 'my edit',
      'data/data/new.csv': 'mine',
    });
    const err = await rejection(pullData({ root, remote, env: {} }));
    expect(err.code).toBe('LOCAL_CHANGES');
    expect(err.message).toBe(
      "data/data/new.csv is not in data/data.dvc: run 'cellar data add data/data' to track it, or pull with --force to remove it (and 1 more failed)",
    );
    expect(readTree(path.join(root, 'data/data'))).toEqual({ bar: 'my edit', 'new.csv': 'mine' });
    const forced = await pullData({ root, remote, env: {}, force: true });
    expect(forced[0]).toMatchObject({ status: 'fetched', written: 2, removed: 1 });
    expect(readTree(path.join(root, 'data/data'))).toEqual(V1);
  });

  it('refuses a listing entry that leads out through a symlinked subfolder', async () => {
    const { remote, dirs } = dvcRemote([V2]);
    const outside = fs.realpathSync(makeTempDir('cellar-outside-'));
    const root = makeWorkspace({ 'data/data.dvc': folderPointer(dirs[0], V2) });
    fs.mkdirSync(path.join(root, 'data/data'));
    fs.symlinkSync(outside, path.join(root, 'data/data/sub'));
    const err = await rejection(pullData({ root, remote, env: {}, force: true }));
    expect(err.code).toBe('OUTSIDE_WORKSPACE');
    expect(err.message).toBe(
      `data/data.dvc: data/data/sub/baz leads outside the workspace, to ${outside}/baz (through a symlink); pull does not write there: replace the symlink with a folder inside the workspace`,
    );
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('a corrupt cached copy is dropped: pull downloads it again, checkout says it is not there', async () => {
    const { remote, dirs } = dvcRemote([V1]);
    const root = makeWorkspace({ 'data/data.dvc': folderPointer(dirs[0], V1) });
    await pullData({ root, remote, env: {} });
    const cached = objectPath(path.join(root, '.cellar/cache'), md5('foo'));
    fs.chmodSync(cached, 0o644);
    fs.writeFileSync(cached, 'oof');
    fs.rmSync(path.join(root, 'data/data/foo'));
    const err = await rejection(checkoutData({ root, env: {} }));
    expect(err.message).toBe(
      `data/data/foo: object ${md5('foo')} of data/data.dvc is not in the local cache (.cellar/cache); run 'cellar data pull data/data.dvc' to download it`,
    );
    expect(fs.existsSync(path.join(root, 'data/data/foo'))).toBe(false);
    fs.writeFileSync(cached, 'oof');
    expect((await pullData({ root, remote, env: {} }))[0]).toMatchObject({
      status: 'fetched',
      downloaded: 1,
    });
    expect(readTree(path.join(root, 'data/data'))).toEqual(V1);
    expect(fs.readFileSync(cached, 'utf8')).toBe('foo');
  });

  it('accepts a listing stored with per-file meta (dvc-data with_meta), named by the meta-less hash', async () => {
    const { remote, dirs } = dvcRemote([V1]);
    // dvc-data's Tree.digest(with_meta=True) keeps size/isexec in the stored bytes; the name stays the same.
    fs.writeFileSync(
      objectPath(remote, dirs[0]),
      `[{"isexec": false, "md5": "${md5('bar')}", "relpath": "bar", "size": 3}, {"isexec": false, "md5": "${md5('foo')}", "relpath": "foo", "size": 3}]`,
    );
    const root = makeWorkspace({ 'data/data.dvc': folderPointer(dirs[0], V1) });
    expect((await pullData({ root, remote, env: {} }))[0].status).toBe('fetched');
    expect(readTree(path.join(root, 'data/data'))).toEqual(V1);
  });

  it('checkout alone names what the cache lacks', async () => {
    const { dirs } = dvcRemote([V1]);
    const root = makeWorkspace({ 'data/data.dvc': folderPointer(dirs[0], V1) });
    const err = await rejection(checkoutData({ root, env: {} }));
    expect(err.code).toBe('NOT_IN_CACHE');
    expect(err.message).toBe(
      `data/data: the folder listing ${dirs[0]} of data/data.dvc is not in the local cache (.cellar/cache); run 'cellar data pull data/data.dvc' to download it`,
    );
  });
});

describe('cellar data add <folder>, push and status', () => {
  it('writes the pointer DVC writes, fills the cache, round-trips through a remote, md5-exact', async () => {
    const root = makeWorkspace({
      'data/data/foo': 'foo',
      'data/data/bar': 'bar',
      'data/data/.git': 'gitdir: x',
    });
    const added = await addData({ root, file: 'data/data/' });
    expect(added).toEqual({
      pointer: 'data/data.dvc',
      path: 'data/data',
      md5: '5ea40360f5b4ec688df672a4db9c17d1.dir',
      size: 6,
      nfiles: 2,
      gitignore: 'data/.gitignore',
      pushed: false,
    });
    // Byte for byte the file of iterative/dvc tests/func/test_install.py.
    expect(fs.readFileSync(path.join(root, 'data/data.dvc'), 'utf8')).toBe(
      'outs:\n- md5: 5ea40360f5b4ec688df672a4db9c17d1.dir\n  size: 6\n  nfiles: 2\n  hash: md5\n  path: data\n',
    );
    expect(fs.readFileSync(path.join(root, 'data/.gitignore'), 'utf8')).toBe('/data\n');
    const cache = path.join(root, '.cellar/cache');
    expect(fs.readFileSync(objectPath(cache, '5ea40360f5b4ec688df672a4db9c17d1.dir'), 'utf8')).toBe(
      `[{"md5": "${md5('bar')}", "relpath": "bar"}, {"md5": "${md5('foo')}", "relpath": "foo"}]`,
    );
    expect(fs.readFileSync(objectPath(cache, md5('foo')), 'utf8')).toBe('foo');

    const remote = makeTempDir('cellar-remote-');
    const state = async () =>
      (await dataStatus({ root, remote, env: {} })).files.map((f) => [f.path, f.workspace, f.remote]);
    expect(await state()).toEqual([
      ['data/data', 'in sync', 'new'],
      ['data/data/bar', 'in sync', 'new'],
      ['data/data/foo', 'in sync', 'new'],
    ]);
    expect(await pushData({ root, remote, env: {} })).toEqual([
      {
        pointer: 'data/data.dvc',
        path: 'data/data',
        md5: '5ea40360f5b4ec688df672a4db9c17d1.dir',
        size: 6,
        nfiles: 2,
        status: 'uploaded',
        uploaded: 3,
      },
    ]);
    expect((await pushData({ root, remote, env: {} }))[0]).toMatchObject({
      status: 'up-to-date',
      uploaded: 0,
    });
    expect(fs.readFileSync(objectPath(remote, '5ea40360f5b4ec688df672a4db9c17d1.dir'), 'utf8')).toBe(
      fs.readFileSync(objectPath(cache, '5ea40360f5b4ec688df672a4db9c17d1.dir'), 'utf8'),
    );

    fs.writeFileSync(path.join(root, 'data/data/foo'), 'FOO');
    fs.rmSync(path.join(root, 'data/data/bar'));
    fs.writeFileSync(path.join(root, 'data/data/extra'), 'x');
    const report = await dataStatus({ root, remote, env: {} });
    expect(report.files).toEqual([
      {
        pointer: 'data/data.dvc',
        path: 'data/data',
        md5: '5ea40360f5b4ec688df672a4db9c17d1.dir',
        size: 6,
        nfiles: 2,
        workspace: 'modified',
        remote: 'in sync',
        untracked: ['data/data/extra'],
      },
      {
        pointer: 'data/data.dvc',
        path: 'data/data/bar',
        md5: md5('bar'),
        workspace: 'missing',
        remote: 'in sync',
      },
      {
        pointer: 'data/data.dvc',
        path: 'data/data/foo',
        md5: md5('foo'),
        size: 3,
        workspace: 'modified',
        remote: 'in sync',
      },
    ]);

    const dest = makeWorkspace({ 'data/data.dvc': fs.readFileSync(path.join(root, 'data/data.dvc')) });
    expect((await pullData({ root: dest, remote, env: {} }))[0]).toMatchObject({
      status: 'fetched',
      downloaded: 3,
    });
    expect(readTree(path.join(dest, 'data/data'))).toEqual({ bar: 'bar', foo: 'foo' });
  });

  it('a big folder: WineQT beside generated files, pushed from the cache when the workspace changed', async () => {
    const files: Record<string, Buffer> = { 'data/set/wine.csv': fs.readFileSync(WINE_CSV) };
    for (let i = 0; i < 40; i++)
      files[`data/set/part-${String(i).padStart(2, '0')}/rows.csv`] = crypto.randomBytes(2000 + i);
    const root = makeWorkspace(files);
    const added = await addData({ root, file: 'data/set', jobs: 3 });
    expect(added.nfiles).toBe(41);
    expect(added.size).toBe(Object.values(files).reduce((n, b) => n + b.length, 0));
    fs.rmSync(path.join(root, 'data/set'), { recursive: true });
    const remote = makeTempDir('cellar-remote-');
    expect((await pushData({ root, remote, env: {} }))[0]).toMatchObject({
      status: 'uploaded',
      uploaded: 42,
    });
    const dest = makeWorkspace({ 'data/set.dvc': fs.readFileSync(path.join(root, 'data/set.dvc')) });
    await pullData({ root: dest, remote, env: {}, jobs: 2 });
    for (const [rel, content] of Object.entries(files)) {
      expect(fs.readFileSync(path.join(dest, rel)).equals(content), rel).toBe(true);
    }
  });

  it('an empty folder: listing "[]", and pull creates the folder', async () => {
    const root = makeWorkspace();
    fs.mkdirSync(path.join(root, 'data/empty'), { recursive: true });
    const remote = makeTempDir('cellar-remote-');
    const added = await addData({ root, file: 'data/empty', push: true, remote, env: {} });
    expect(added).toMatchObject({ md5: `${md5('[]')}.dir`, size: 0, nfiles: 0, pushed: true });
    const dest = makeWorkspace({ 'data/empty.dvc': fs.readFileSync(path.join(root, 'data/empty.dvc')) });
    expect((await pullData({ root: dest, remote, env: {} }))[0]).toMatchObject({
      status: 'fetched',
      downloaded: 1,
    });
    expect(fs.readdirSync(path.join(dest, 'data/empty'))).toEqual([]);
  });

  it('refuses what a folder output cannot hold', async () => {
    const root = makeWorkspace({ 'data/d/a.csv': 'a', 'data/d/in.csv.dvc': 'outs: []\n' });
    expect((await rejection(addData({ root, file: 'data/d' }))).message).toBe(
      'data/d/in.csv.dvc: is a pointer file inside the folder being added; track the folder or the files in it, not both',
    );
    fs.rmSync(path.join(root, 'data/d/in.csv.dvc'));
    fs.symlinkSync('/etc/hostname', path.join(root, 'data/d/link'));
    expect((await rejection(addData({ root, file: 'data/d' }))).message).toBe(
      'data/d/link: is a symlink; a tracked folder holds regular files only: replace it with a copy or move it out of data/d',
    );
    expect(fs.existsSync(path.join(root, 'data/d.dvc'))).toBe(false);
  });
});

describe('per-pointer pull', () => {
  it('a modified file of another data set does not fail a pull of this one', async () => {
    const remote = makeTempDir('cellar-remote-');
    const root = wineWorkspace({ 'data/iris.csv': 'sepal,species\n1,a\n' });
    await addData({ root, file: 'data/iris.csv', push: true, remote, env: {} });
    fs.cpSync(path.dirname(WINE_CSV), path.join(remote, 'files/md5/e2'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data/iris.csv'), 'sepal,species\n1,b\n'); // edited, not added
    fs.rmSync(path.join(root, '.cellar/cache'), { recursive: true });

    const all = await rejection(pullData({ root, remote, env: {} }));
    expect(all.message).toBe(
      "data/iris.csv has local changes (it no longer matches data/iris.csv.dvc): run 'cellar data add data/iris.csv' to track them, or pull with --force to discard them",
    );
    // Named by pointer, by data path, or twice: only WineQT is pulled, iris.csv is left alone.
    for (const pointers of [
      ['data/external/WineQT.csv.dvc'],
      ['data/external/WineQT.csv', 'data/external/WineQT.csv.dvc'],
    ]) {
      const res = await pullData({ root, remote, env: {}, pointers });
      expect(res.map((r) => r.path)).toEqual(['data/external/WineQT.csv']);
    }
    expect(fs.readFileSync(path.join(root, 'data/iris.csv'), 'utf8')).toBe('sepal,species\n1,b\n');
    expect((await dataStatus({ root, remote, env: {}, pointers: ['data/iris.csv'] })).files).toHaveLength(1);
  });
});
