// Hostile or unlucky workspaces for data pull: symlinks that lead out of the workspace, and
// temporary files left behind by a pull that was killed.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { md5File } from './md5';
import { pullData } from './sync';
import { EXAMPLE_REMOTE, makeTempDir, REPO_ROOT, WINE_MD5, WINE_SIZE, wineWorkspace } from './test-utils';

const POINTER = `outs:\n- md5: ${WINE_MD5}\n  size: ${WINE_SIZE}\n  hash: md5\n  path: WineQT.csv\n`;
const through = (sub: string) => POINTER.replace('path: WineQT.csv', `path: ${sub}/WineQT.csv`);

async function rejection(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('pull refuses to write outside the workspace through a symlink', () => {
  it('a symlinked folder on the pointer path', async () => {
    const outside = fs.realpathSync(makeTempDir('cellar-outside-'));
    const root = wineWorkspace({ 'data/evil.csv.dvc': through('linked') });
    fs.rmSync(path.join(root, 'data/external'), { recursive: true });
    fs.symlinkSync(outside, path.join(root, 'data/linked'));
    const err = await rejection(pullData({ root, remote: EXAMPLE_REMOTE, env: {} }));
    expect(err.message).toBe(
      `data/evil.csv.dvc: data/linked/WineQT.csv leads outside the workspace, to ${outside}/WineQT.csv (through a symlink); pull does not write there: replace the symlink with a folder inside the workspace`,
    );
    expect(err.code).toBe('OUTSIDE_WORKSPACE');
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('a pointer inside a symlinked folder, named explicitly', async () => {
    const outside = fs.realpathSync(makeTempDir('cellar-outside-'));
    fs.writeFileSync(path.join(outside, 'WineQT.csv.dvc'), POINTER);
    const root = wineWorkspace();
    fs.symlinkSync(outside, path.join(root, 'data/ext'));
    const err = await rejection(
      pullData({ root, pointers: ['data/ext/WineQT.csv.dvc'], remote: EXAMPLE_REMOTE, env: {} }),
    );
    expect(err.message).toBe(
      `data/ext/WineQT.csv.dvc: data/ext/WineQT.csv leads outside the workspace, to ${outside}/WineQT.csv (through a symlink); pull does not write there: replace the symlink with a folder inside the workspace`,
    );
    expect(fs.readdirSync(outside)).toEqual(['WineQT.csv.dvc']);
  });

  it('a folder that does not exist yet below a symlink', async () => {
    const outside = fs.realpathSync(makeTempDir('cellar-outside-'));
    const root = wineWorkspace({ 'data/deep.csv.dvc': through('linked/new/dir') });
    fs.symlinkSync(outside, path.join(root, 'data/linked'));
    const err = await rejection(
      pullData({ root, pointers: ['data/deep.csv.dvc'], remote: EXAMPLE_REMOTE, env: {} }),
    );
    expect(err.message).toContain(`leads outside the workspace, to ${outside}/new/dir/WineQT.csv`);
    expect(fs.readdirSync(outside)).toEqual([]);
  });

  it('still pulls through a symlink that stays inside, and into a workspace reached by a symlink', async () => {
    const root = wineWorkspace({ 'data/alias.csv.dvc': through('alias') });
    fs.mkdirSync(path.join(root, 'data/real'));
    fs.symlinkSync(path.join(root, 'data/real'), path.join(root, 'data/alias'));
    const viaLink = path.join(makeTempDir('cellar-link-'), 'ws');
    fs.symlinkSync(root, viaLink);
    const res = await pullData({ root: viaLink, remote: EXAMPLE_REMOTE, env: {} });
    expect(res.map((r) => [r.path, r.status])).toEqual([
      ['data/alias/WineQT.csv', 'fetched'],
      ['data/external/WineQT.csv', 'fetched'],
    ]);
    expect(await md5File(path.join(root, 'data/real/WineQT.csv'))).toBe(WINE_MD5);
  });
});

describe('pull keeps its temporary files in <root>/.cellar/tmp and clears stale ones', () => {
  const children: number[] = [];
  afterAll(() => children.forEach((pid) => process.kill(pid)));

  it('writes the partial file under .cellar/tmp, never beside the target, and leaves nothing', async () => {
    const root = wineWorkspace();
    const seen: { beside: string[]; tmp: string[] }[] = [];
    const list = (rel: string) =>
      fs.existsSync(path.join(root, rel)) ? fs.readdirSync(path.join(root, rel)) : [];
    await pullData({
      root,
      remote: EXAMPLE_REMOTE,
      env: {},
      onProgress: () => seen.push({ beside: list('data/external'), tmp: list('.cellar/tmp') }),
    });
    expect(seen.length).toBeGreaterThan(0);
    for (const s of seen) {
      expect(s.beside).toEqual(['WineQT.csv.dvc']);
      expect(s.tmp).toEqual([
        '.gitignore',
        expect.stringMatching(new RegExp(`^${process.pid}-[0-9a-f]{8}-WineQT\\.csv$`)),
      ]);
    }
    expect(list('data/external').sort()).toEqual(['WineQT.csv', 'WineQT.csv.dvc']);
    expect(list('.cellar/tmp')).toEqual(['.gitignore']);
    expect(fs.readFileSync(path.join(root, '.cellar/tmp/.gitignore'), 'utf8')).toBe('*\n');
  });

  it('removes leftovers of dead pulls older than this one, keeps those of live processes', async () => {
    const dead = spawnSync(process.execPath, ['-e', '']).pid as number;
    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'], { stdio: 'ignore' })
      .pid as number;
    children.push(live);
    const hourAgo = new Date(Date.now() - 3600_000);
    const root = wineWorkspace();
    const leftovers = {
      [`.cellar/tmp/${dead}-0123abcd-WineQT.csv`]: 'partial',
      [`.cellar/tmp/${live}-4567cdef-WineQT.csv`]: 'in progress elsewhere',
      [`data/external/WineQT.csv.tmp-${dead}-89abcdef`]: 'partial, from before .cellar/tmp',
      'data/external/notes.tmp-12-x': 'not ours',
    };
    for (const [rel, text] of Object.entries(leftovers)) {
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.writeFileSync(path.join(root, rel), text);
      fs.utimesSync(path.join(root, rel), hourAgo, hourAgo);
    }
    await pullData({ root, remote: EXAMPLE_REMOTE, env: {} });
    expect(fs.readdirSync(path.join(root, '.cellar/tmp')).sort()).toEqual(
      [`${live}-4567cdef-WineQT.csv`, '.gitignore'].sort(),
    );
    expect(fs.readdirSync(path.join(root, 'data/external')).sort()).toEqual([
      'WineQT.csv',
      'WineQT.csv.dvc',
      'notes.tmp-12-x',
    ]);
  });

  it('this repo git-ignores .cellar/', () => {
    const ignored = execFileSync('git', ['check-ignore', '-v', '.cellar/tmp/123-0123abcd-WineQT.csv'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    expect(ignored).toMatch(/^\.gitignore:\d+:\/\.cellar\/\t/);
  });
});
