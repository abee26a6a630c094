// Hostile workspaces for data pull: symlinks that lead out of the workspace.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { md5File } from './md5';
import { pullData } from './sync';
import { EXAMPLE_REMOTE, makeTempDir, WINE_MD5, WINE_SIZE, wineWorkspace } from './test-utils';

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
