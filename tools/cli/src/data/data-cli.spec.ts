import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCli } from './data-cli';
import { captureIo, makeTempDir, makeWorkspace } from '../testing/io';

function workspaceWithRemote(files: Record<string, string | Buffer>) {
  const remote = makeTempDir('cellar-remote-');
  const root = makeWorkspace({
    '.dvc/config': `[core]\n    remote = store\n['remote "store"']\n    url = ${remote}\n`,
    ...files,
  });
  return { root, remote };
}

describe('cellar data CLI', () => {
  it('add --push, status, pull with a progress line for big files', async () => {
    const big = crypto.randomBytes(1536 * 1024);
    const { root } = workspaceWithRemote({ 'data/raw/big.bin': big, 'data/raw/small.csv': 'a\n1\n' });
    const add = captureIo(path.join(root, 'data'));
    expect(await dataCli(['add', 'raw/big.bin', 'raw/small.csv', '--push'], add.io)).toBe(0);
    expect(add.stdout()).toContain('added data/raw/big.bin (1.5 MiB, md5 ');
    expect(add.stdout()).toContain('-> data/raw/small.csv.dvc, pushed\n');
    expect(add.stderr()).toContain('  data/raw/big.bin 100% (1.5 MiB / 1.5 MiB)\n');

    fs.rmSync(path.join(root, 'data/raw/big.bin'));
    const status = captureIo(root);
    expect(await dataCli(['status', '--json'], status.io)).toBe(0);
    const report = JSON.parse(status.stdout());
    expect(report.remote.source).toBe('.dvc/config');
    expect(
      report.files.map((f: { path: string; workspace: string; remote: string }) => [
        f.path,
        f.workspace,
        f.remote,
      ]),
    ).toEqual([
      ['data/raw/big.bin', 'missing', 'in sync'],
      ['data/raw/small.csv', 'in sync', 'in sync'],
    ]);

    const table = captureIo(root);
    expect(await dataCli(['status'], table.io)).toBe(0);
    expect(table.stdout()).toMatch(/│ data\/raw\/big\.bin\s+│ missing\s+│ in sync\s+│/);

    // add kept a copy in .cellar/cache: the file comes back without reading the remote.
    const restore = captureIo(root);
    expect(await dataCli(['pull'], restore.io)).toBe(0);
    expect(restore.stdout()).toBe(
      'restored   data/raw/big.bin (1.5 MiB)\nup-to-date data/raw/small.csv (4 B)\n0 files fetched, 1 restored from .cellar/cache, 1 up to date\n',
    );
    expect(restore.stderr()).toBe('');

    fs.rmSync(path.join(root, 'data/raw/big.bin'));
    fs.rmSync(path.join(root, '.cellar/cache'), { recursive: true });
    const pull = captureIo(root);
    expect(await dataCli(['pull', '--jobs', '2'], pull.io)).toBe(0);
    expect(pull.stdout()).toBe(
      'fetched    data/raw/big.bin (1.5 MiB)\nup-to-date data/raw/small.csv (4 B)\n1 file fetched, 1 up to date\n',
    );
    expect(pull.stderr()).toContain('data/raw/big.bin 100%');
    expect(fs.readFileSync(path.join(root, 'data/raw/big.bin')).equals(big)).toBe(true);

    // --remote paths are relative to the cwd; the push lands there, not in the configured remote.
    fs.mkdirSync(path.join(root, 'data/mirror'));
    const push = captureIo(path.join(root, 'data'));
    expect(await dataCli(['push', 'raw/small.csv', '--remote', './mirror'], push.io)).toBe(0);
    expect(push.stdout()).toBe('uploaded   data/raw/small.csv (4 B)\n1 file uploaded, 0 up to date\n');
    expect(fs.readdirSync(path.join(root, 'data/mirror/files/md5'))).toHaveLength(1);
  });

  it('prints one-line errors, exit 1 (2 for usage), stacks only with --verbose', async () => {
    const root = makeWorkspace({ 'data/a.csv.dvc': 'outs: []\n' });
    const plain = captureIo(
      makeWorkspace({
        'data/a.csv.dvc': `outs:\n- md5: ${'0'.repeat(32)}\n  size: 1\n  hash: md5\n  path: a.csv\n`,
      }),
    );
    expect(await dataCli(['pull'], plain.io)).toBe(1);
    expect(plain.stderr()).toBe(
      'cellar data: no data remote configured: set CELLAR_DATA_REMOTE or add one to .dvc/config (dvc remote add -d <name> <url>)\n',
    );
    const verbose = captureIo(root, { CELLAR_DATA_REMOTE: 'store' });
    expect(await dataCli(['pull', '--verbose'], verbose.io)).toBe(1);
    const lines = verbose.stderr().split('\n');
    expect(lines[0]).toBe(
      "cellar data: data/a.csv.dvc: outs must be a non-empty list; re-create it with 'cellar data add'",
    );
    expect(lines[1]).toMatch(/^DataError: /);
    const usage = captureIo(root);
    expect(await dataCli(['push', '--jobs', '0'], usage.io)).toBe(2);
    expect(usage.stderr()).toBe("cellar data: --jobs must be an integer from 1 to 64 (got '0')\n");
    expect(await dataCli(['sync'], usage.io)).toBe(2);
  });

  it('add <folder>, checkout from the cache, pull of named data sets only', async () => {
    const { root, remote } = workspaceWithRemote({
      'data/images/a.txt': 'a',
      'data/images/sub/b.txt': 'bb',
      'data/iris.csv': 'x\n1\n',
    });
    const add = captureIo(root);
    expect(await dataCli(['add', 'data/images', 'data/iris.csv', '--push'], add.io)).toBe(0);
    expect(add.stdout()).toMatch(
      /^added data\/images \(2 files, 3 B, md5 [0-9a-f]{32}\.dir\) -> data\/images\.dvc, pushed\n/,
    );
    expect(fs.readdirSync(path.join(remote, 'files/md5')).length).toBeGreaterThanOrEqual(3);

    fs.rmSync(path.join(root, 'data/images'), { recursive: true });
    fs.writeFileSync(path.join(root, 'data/iris.csv'), 'x\n2\n'); // another data set, edited
    const all = captureIo(root);
    expect(await dataCli(['pull'], all.io)).toBe(1);
    expect(all.stderr()).toBe(
      "cellar data: data/iris.csv has local changes (it no longer matches data/iris.csv.dvc): run 'cellar data add data/iris.csv' to track them, or pull with --force to discard them\n",
    );
    // Each data set is pulled on its own: the folder came back even though iris.csv stopped the command.
    expect(fs.readFileSync(path.join(root, 'data/images/a.txt'), 'utf8')).toBe('a');
    fs.rmSync(path.join(root, 'data/images'), { recursive: true });
    const checkout = captureIo(path.join(root, 'data'));
    expect(await dataCli(['checkout', 'images/'], checkout.io)).toBe(0);
    expect(checkout.stdout()).toBe(
      'restored   data/images (2 files, 3 B)\n0 files fetched, 1 restored from .cellar/cache, 0 up to date\n',
    );
    expect(fs.readFileSync(path.join(root, 'data/images/sub/b.txt'), 'utf8')).toBe('bb');
    fs.writeFileSync(path.join(root, 'data/images/c.txt'), 'c');
    const table = captureIo(root);
    expect(await dataCli(['status', 'data/images.dvc'], table.io)).toBe(0);
    expect(table.stdout()).toMatch(/│ data\/images\s+│ modified\s+│ in sync\s+│/);
    expect(table.stdout()).toMatch(/│ data\/images\/c\.txt\s+│ not in data\/images\.dvc\s+│ -\s+│/);
    expect(table.stdout()).toMatch(/│ data\/images\/sub\/b\.txt\s+│ in sync\s+│ in sync\s+│/);
    expect(table.stdout()).not.toContain('iris');
    expect(fs.readFileSync(path.join(root, 'data/iris.csv'), 'utf8')).toBe('x\n2\n');
  });
});
