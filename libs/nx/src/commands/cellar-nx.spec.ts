// `cellar-nx pull --pointer=…` as inferred targets run it: the real bin in a real workspace.
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = path.resolve(__dirname, '../../bin/cellar-nx.js');
const REPO = path.resolve(__dirname, '../../../..');
const WINE_POINTER = fs.readFileSync(path.join(REPO, 'data/external/WineQT.csv.dvc'), 'utf8');
const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

function cellarNx(cwd: string, args: string[], task?: { project: string; target: string }) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: {
      ...process.env,
      CELLAR_DATA_REMOTE: '',
      // what Nx sets for the task running the command
      NX_TASK_TARGET_PROJECT: task?.project,
      NX_TASK_TARGET_TARGET: task?.target,
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cellar-nx pull --pointer', () => {
  it('pulls only the named data sets; a local change to another does not fail it', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-nx-pull-'));
    const iris = 'sepal,species\n1,a\n';
    fs.mkdirSync(path.join(root, 'data/external'), { recursive: true });
    fs.mkdirSync(path.join(root, '.dvc'));
    fs.writeFileSync(
      path.join(root, '.dvc/config'),
      `[core]\n    remote = example\n['remote "example"']\n    url = ${path.join(REPO, 'data/remote')}\n`,
    );
    fs.writeFileSync(path.join(root, 'data/external/WineQT.csv.dvc'), WINE_POINTER);
    fs.writeFileSync(
      path.join(root, 'data/iris.csv.dvc'),
      `outs:\n- md5: ${md5(iris)}\n  size: ${iris.length}\n  hash: md5\n  path: iris.csv\n`,
    );
    fs.writeFileSync(path.join(root, 'data/iris.csv'), 'sepal,species\n1,b\n'); // edited, never added

    const all = cellarNx(root, ['pull']);
    expect(all.code).toBe(1);
    expect(all.stderr).toBe(
      "data:pull failed: data/iris.csv has local changes (it no longer matches data/iris.csv.dvc): run 'cellar data add data/iris.csv' to track them, or pull with --force to discard them\n",
    );
    // run by a pipeline's pull target, the one line names that task
    const task = cellarNx(root, ['pull', '--pointer=data/iris.csv.dvc'], {
      project: 'iris-logreg',
      target: 'pull-data',
    });
    expect([task.code, task.stderr.split('\n')[0]]).toEqual([
      1,
      expect.stringMatching(/^iris-logreg:pull-data failed: data\/iris\.csv has local changes /),
    ]);

    const wine = cellarNx(root, ['pull', '--pointer=data/external/WineQT.csv.dvc']);
    expect(wine.stderr).toBe('');
    expect(wine.code).toBe(0);
    expect(wine.stdout).toBe(
      'up-to-date data/external/WineQT.csv (76.2 KiB)\n0 files fetched, 1 up to date\n',
    );
    // The plain pull above had already fetched WineQT (each data set on its own): remove it and pull again.
    fs.rmSync(path.join(root, 'data/external/WineQT.csv'));
    fs.rmSync(path.join(root, '.cellar/cache'), { recursive: true });
    const again = cellarNx(root, [
      'pull',
      '--pointer',
      'data/external/WineQT.csv',
      '--pointer=data/external/WineQT.csv.dvc',
    ]);
    expect(again.stdout).toBe(
      'fetched    data/external/WineQT.csv (76.2 KiB)\n1 file fetched, 0 up to date\n',
    );
    expect(fs.readFileSync(path.join(root, 'data/iris.csv'), 'utf8')).toBe('sepal,species\n1,b\n');

    const missing = cellarNx(root, ['pull', '--pointer=data/none.csv.dvc']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(
      "data/none.csv.dvc: pointer file not found; run 'cellar data add <file>' first",
    );
  });
});
