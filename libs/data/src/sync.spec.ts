import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { md5File } from './md5';
import { addData, dataStatus, findPointers, pullData, pushData, type TransferProgress } from './sync';
import { makeTempDir, makeWorkspace, EXAMPLE_REMOTE, WINE_CSV, WINE_MD5, wineWorkspace } from './test-utils';

const WINE_OBJECT = `files/md5/${WINE_MD5.slice(0, 2)}/${WINE_MD5.slice(2)}`;

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('pullData', () => {
  it('pulls WineQT from the example remote via .dvc/config (relative to .dvc/), then reports up-to-date', async () => {
    const root = wineWorkspace();
    fs.mkdirSync(path.join(root, '.dvc'));
    fs.writeFileSync(
      path.join(root, '.dvc/config'),
      `[core]\n    remote = shared\n['remote "shared"']\n    url = ${path.relative(path.join(root, '.dvc'), EXAMPLE_REMOTE)}\n`,
    );
    const progress: TransferProgress[] = [];
    const first = await pullData({ root, env: {}, onProgress: (p) => progress.push(p) });
    expect(first).toEqual([
      {
        pointer: 'data/external/WineQT.csv.dvc',
        path: 'data/external/WineQT.csv',
        md5: WINE_MD5,
        size: 78057,
        status: 'fetched',
        downloaded: 1,
        written: 1,
        removed: 0,
      },
    ]);
    expect(await md5File(path.join(root, 'data/external/WineQT.csv'))).toBe(WINE_MD5);
    expect(progress.at(-1)).toEqual({
      path: 'data/external/WineQT.csv',
      bytesDone: 78057,
      bytesTotal: 78057,
    });
    expect((await pullData({ root, env: {} }))[0].status).toBe('up-to-date');
    expect(fs.readdirSync(path.join(root, 'data/external')).sort()).toEqual(['WineQT.csv', 'WineQT.csv.dvc']);
  });

  it('detects a corrupt remote object, places nothing and keeps the previous file', async () => {
    const remote = makeTempDir('cellar-remote-');
    const bad = fs.readFileSync(WINE_CSV);
    bad[100] ^= 1; // same size, different content
    fs.mkdirSync(path.dirname(path.join(remote, WINE_OBJECT)), { recursive: true });
    fs.writeFileSync(path.join(remote, WINE_OBJECT), bad);
    const root = wineWorkspace({ 'data/external/WineQT.csv': 'previous\n' });
    const err = await rejection(pullData({ root, remote, env: {}, force: true }));
    const badMd5 = await md5File(path.join(remote, WINE_OBJECT));
    expect(err.message).toBe(
      `md5 mismatch for data/external/WineQT.csv from remote '${remote}': expected ${WINE_MD5}, got ${badMd5}; the remote object is corrupt`,
    );
    expect(err.code).toBe('CHECKSUM_MISMATCH');
    expect(fs.readFileSync(path.join(root, 'data/external/WineQT.csv'), 'utf8')).toBe('previous\n');
    expect(fs.readdirSync(path.join(root, 'data/external')).sort()).toEqual(['WineQT.csv', 'WineQT.csv.dvc']);
  });

  it('refuses to discard local changes to a tracked file unless forced', async () => {
    const root = wineWorkspace({ 'data/external/WineQT.csv': 'my edits\n' });
    const err = await rejection(pullData({ root, remote: EXAMPLE_REMOTE, env: {} }));
    expect(err.code).toBe('LOCAL_CHANGES');
    expect(err.message).toBe(
      "data/external/WineQT.csv has local changes (it no longer matches data/external/WineQT.csv.dvc): run 'cellar data add data/external/WineQT.csv' to track them, or pull with --force to discard them",
    );
    expect(fs.readFileSync(path.join(root, 'data/external/WineQT.csv'), 'utf8')).toBe('my edits\n');
    const [res] = await pullData({ root, remote: EXAMPLE_REMOTE, env: {}, force: true });
    expect(res.status).toBe('fetched');
    expect(await md5File(path.join(root, 'data/external/WineQT.csv'))).toBe(WINE_MD5);
  });

  it('says which object is missing from the remote and what to do', async () => {
    const remote = makeTempDir('cellar-remote-');
    const err = await rejection(pullData({ root: wineWorkspace(), remote, env: {} }));
    expect(err.message).toBe(
      `data/external/WineQT.csv: object ${WINE_MD5} is not in remote '${remote}' (${remote}); run 'cellar data push' where the file exists`,
    );
  });

  it('names a remote folder that does not exist, for pull and for status (never "new")', async () => {
    const root = wineWorkspace({
      '.dvc/config': `[core]\n    remote = gone\n['remote "gone"']\n    url = ../no/such/remote\n`,
    });
    const where = path.join(root, 'no/such/remote');
    const expected = `remote 'gone' (${where}) does not exist: fix its url in .dvc/config or set CELLAR_DATA_REMOTE`;
    const pull = await rejection(pullData({ root, env: {} }));
    expect(pull.code).toBe('REMOTE_NOT_FOUND');
    expect(pull.message).toBe(expected);
    fs.copyFileSync(WINE_CSV, path.join(root, 'data/external/WineQT.csv'));
    const status = await rejection(dataStatus({ root, env: {} }));
    expect(status.message).toContain(expected);
  });

  it('uses env CELLAR_DATA_REMOTE relative to the root', async () => {
    const root = wineWorkspace({
      '.dvc/config': `[core]\n    remote = nowhere\n['remote "nowhere"']\n    url = /nonexistent\n`,
    });
    fs.symlinkSync(EXAMPLE_REMOTE, path.join(root, 'mirror'));
    const res = await pullData({ root, env: { CELLAR_DATA_REMOTE: 'mirror' } });
    expect(res[0].status).toBe('fetched');
  });
});

describe('push, add and status', () => {
  it('round-trips through an empty local remote, md5-exact', async () => {
    const remote = makeTempDir('cellar-remote-');
    const src = makeWorkspace({
      'data/raw/wine.csv': fs.readFileSync(WINE_CSV),
      'data/raw/small.csv': 'a,b\n1,2\n',
    });
    await addData({ root: src, file: 'data/raw/wine.csv' });
    await addData({ root: src, file: path.join(src, 'data/raw/small.csv') });
    expect(findPointers(src)).toEqual(['data/raw/small.csv.dvc', 'data/raw/wine.csv.dvc']);
    expect((await pushData({ root: src, remote, env: {}, jobs: 2 })).map((r) => r.status)).toEqual([
      'uploaded',
      'uploaded',
    ]);
    expect((await pushData({ root: src, remote, env: {} })).map((r) => r.status)).toEqual([
      'up-to-date',
      'up-to-date',
    ]);
    expect(fs.statSync(path.join(remote, WINE_OBJECT)).mode & 0o777).toBe(0o444);

    const dest = makeWorkspace();
    for (const p of findPointers(src)) fs.cpSync(path.join(src, p), path.join(dest, p));
    const pulled = await pullData({ root: dest, remote, env: {} });
    expect(pulled.map((r) => [r.path, r.status])).toEqual([
      ['data/raw/small.csv', 'fetched'],
      ['data/raw/wine.csv', 'fetched'],
    ]);
    expect(await md5File(path.join(dest, 'data/raw/wine.csv'))).toBe(WINE_MD5);
    expect(fs.readFileSync(path.join(dest, 'data/raw/small.csv'), 'utf8')).toBe('a,b\n1,2\n');
  });

  it('addData writes the pointer and a de-duplicated .gitignore', async () => {
    const root = makeWorkspace({ 'data/raw/x.csv': 'a\n1\n', 'data/raw/.gitignore': '/other.csv' });
    const r = await addData({ root, file: 'data/raw/x.csv' });
    await addData({ root, file: 'data/raw/x.csv' });
    expect(r).toEqual({
      pointer: 'data/raw/x.csv.dvc',
      path: 'data/raw/x.csv',
      md5: await md5File(path.join(root, 'data/raw/x.csv')),
      size: 4,
      gitignore: 'data/raw/.gitignore',
      pushed: false,
    });
    expect(fs.readFileSync(path.join(root, 'data/raw/.gitignore'), 'utf8')).toBe('/other.csv\n/x.csv\n');
    expect(fs.readFileSync(path.join(root, 'data/raw/x.csv.dvc'), 'utf8')).toBe(
      `outs:\n- md5: ${r.md5}\n  size: 4\n  hash: md5\n  path: x.csv\n`,
    );
    const err = await rejection(addData({ root, file: 'data/raw/none.csv' }));
    expect(err.message).toBe('data/raw/none.csv: file not found; check the path');
  });

  it('status goes new -> in sync -> modified -> missing; push refuses a modified file', async () => {
    const remote = makeTempDir('cellar-remote-');
    const root = makeWorkspace({ 'data/d.csv': 'a\n1\n' });
    await addData({ root, file: 'data/d.csv' });
    const state = async () =>
      (await dataStatus({ root, remote, env: {} })).files.map((f) => [f.workspace, f.remote]);
    expect(await state()).toEqual([['in sync', 'new']]);
    await pushData({ root, remote, env: {} });
    expect(await state()).toEqual([['in sync', 'in sync']]);
    fs.writeFileSync(path.join(root, 'data/d.csv'), 'a\n2\n'); // same size: caught by md5
    expect(await state()).toEqual([['modified', 'in sync']]);
    fs.rmSync(path.join(root, 'data/d.csv'));
    expect(await state()).toEqual([['missing', 'in sync']]);

    fs.writeFileSync(path.join(root, 'data/d.csv'), 'a\n3\n');
    const fresh = makeTempDir('cellar-remote-');
    // add kept the tracked version in .cellar/cache: push uploads it from there, as dvc push does.
    expect((await dataStatus({ root, remote: fresh, env: {} })).files[0]).toMatchObject({
      workspace: 'modified',
      remote: 'new',
    });
    expect((await pushData({ root, remote: fresh, env: {} }))[0]).toMatchObject({
      status: 'uploaded',
      uploaded: 1,
    });
    expect(fs.readFileSync(path.join(fresh, 'files/md5/34/ff2335cbe2045ddc3b78993d1e971d'), 'utf8')).toBe(
      'a\n1\n',
    );

    fs.rmSync(path.join(root, '.cellar/cache'), { recursive: true });
    const empty = makeTempDir('cellar-remote-');
    expect((await dataStatus({ root, remote: empty, env: {} })).files[0]).toMatchObject({
      workspace: 'modified',
      remote: 'missing',
    });
    const err = await rejection(pushData({ root, remote: empty, env: {} }));
    expect(err.message).toBe(
      `data/d.csv no longer matches data/d.csv.dvc (md5 ${(await dataStatus({ root, remote, env: {} })).files[0].md5}); run 'cellar data add data/d.csv' again before pushing`,
    );
    expect(fs.readdirSync(empty)).toEqual([]);
  });
});
