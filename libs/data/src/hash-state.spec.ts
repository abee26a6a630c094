import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HashState } from './hash-state';
import { md5File } from './md5';
import { pullData } from './sync';
import { EXAMPLE_REMOTE, makeWorkspace, WINE_MD5, wineWorkspace } from './test-utils';

/** A limiter that counts the hashes it runs. */
function counting() {
  const c = { n: 0, limit: <T>(fn: () => Promise<T>) => (c.n++, fn()) };
  return c;
}

describe('HashState', () => {
  it('hashes a settled, unchanged file once across runs; a change of content and mtime is seen', async () => {
    const root = makeWorkspace({ 'data/a.csv': 'a\n1\n' });
    const file = path.join(root, 'data/a.csv');
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(file, hourAgo, hourAgo);
    const c = counting();
    const first = HashState.load(root);
    expect(await first.md5Of(file, c.limit)).toBe('34ff2335cbe2045ddc3b78993d1e971d');
    first.save();
    expect(await HashState.load(root).md5Of(file, c.limit)).toBe('34ff2335cbe2045ddc3b78993d1e971d');
    expect(c.n).toBe(1);

    fs.writeFileSync(file, 'a\n2\n');
    fs.utimesSync(file, new Date(Date.now() - 1800_000), new Date(Date.now() - 1800_000));
    expect(await HashState.load(root).md5Of(file, c.limit)).toBe(await md5File(file));
    expect(await md5File(file)).not.toBe('34ff2335cbe2045ddc3b78993d1e971d');
    expect(c.n).toBe(2);
  });

  it('does not remember a file modified just now (it could change again within the same mtime)', async () => {
    const root = makeWorkspace({ 'data/a.csv': 'a\n1\n' });
    const c = counting();
    const s = HashState.load(root);
    await s.md5Of(path.join(root, 'data/a.csv'), c.limit);
    s.save();
    await HashState.load(root).md5Of(path.join(root, 'data/a.csv'), c.limit);
    expect(c.n).toBe(2);
    expect(fs.existsSync(path.join(root, '.cellar/md5-state.json'))).toBe(false);
  });

  it('a pull of an unchanged, settled workspace reads no file content', async () => {
    const root = wineWorkspace();
    await pullData({ root, remote: EXAMPLE_REMOTE, env: {} });
    const csv = path.join(root, 'data/external/WineQT.csv');
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(csv, hourAgo, hourAgo);
    expect((await pullData({ root, remote: EXAMPLE_REMOTE, env: {} }))[0].status).toBe('up-to-date');
    const state = JSON.parse(fs.readFileSync(path.join(root, '.cellar/md5-state.json'), 'utf8'));
    expect(state['data/external/WineQT.csv'].md5).toBe(WINE_MD5);
    expect(fs.readFileSync(path.join(root, '.cellar/.gitignore'), 'utf8')).toBe('*\n');
    // Proof that no content was read: other bytes of the same size, same inode, the old mtime put back.
    // As in DVC and git, size + mtime + inode stand for the content (a known, accepted limit).
    const bytes = fs.readFileSync(csv);
    bytes[10] ^= 1;
    fs.writeFileSync(csv, bytes);
    fs.utimesSync(csv, hourAgo, hourAgo);
    expect((await pullData({ root, remote: EXAMPLE_REMOTE, env: {} }))[0].status).toBe('up-to-date');
    // A touch (new mtime) is enough for the change to be seen.
    fs.utimesSync(csv, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    const err = await pullData({ root, remote: EXAMPLE_REMOTE, env: {} }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^data\/external\/WineQT\.csv has local changes/);
  });
});
