import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeWorkspace } from '../testing/io';
import { checkoutRevision, linkNodeModules, resolveRevision, revisionEnv } from './revision';
import { summarizeBuild } from './results';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const CSV_MD5 = 'e5ebd4c02cefbe7955977c67ada242b7'; // md5 of 'a,b\n1,2\n'

function gitRepo(files: Record<string, string>): string {
  const root = makeWorkspace(files);
  dirs.push(root);
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'one');
  return root;
}

describe('checkoutRevision', () => {
  it('checks a commit out beside the workspace with its own @cellar packages and the matching data', async () => {
    const root = gitRepo({
      'package.json': JSON.stringify({ workspaces: ['libs/*'] }),
      'libs/a/package.json': JSON.stringify({ name: '@cellar/a' }),
      'libs/a/index.js': 'module.exports = 1;',
      'data/x.csv.dvc': `outs:\n- md5: ${CSV_MD5}\n  size: 8\n  hash: md5\n  path: x.csv\n`,
      'data/y.csv.dvc': `outs:\n- md5: ${'0'.repeat(32)}\n  size: 8\n  hash: md5\n  path: y.csv\n`,
      '.gitignore': 'node_modules/\n/data/*.csv\n',
    });
    fs.mkdirSync(path.join(root, 'node_modules/@cellar'), { recursive: true });
    fs.mkdirSync(path.join(root, 'node_modules/@scope/other'), { recursive: true });
    fs.mkdirSync(path.join(root, 'node_modules/left-pad'));
    fs.symlinkSync('../../libs/a', path.join(root, 'node_modules/@cellar/a'));
    fs.mkdirSync(path.join(root, 'node_modules/.bin'));
    fs.symlinkSync('../@cellar/a/index.js', path.join(root, 'node_modules/.bin/a'));
    fs.writeFileSync(path.join(root, 'data/x.csv'), 'a,b\n1,2\n');
    fs.writeFileSync(path.join(root, 'data/y.csv'), 'a,b\n1,2\n'); // not what y.csv.dvc names
    const c = await checkoutRevision(root, 'HEAD');
    expect(c.sha).toBe(resolveRevision(root, 'main'));
    expect(fs.readFileSync(path.join(c.dir, 'libs/a/index.js'), 'utf8')).toBe('module.exports = 1;');
    expect(fs.realpathSync(path.join(c.dir, 'node_modules/@cellar/a'))).toBe(
      fs.realpathSync(path.join(c.dir, 'libs/a')),
    );
    expect(fs.realpathSync(path.join(c.dir, 'node_modules/.bin/a'))).toBe(
      fs.realpathSync(path.join(c.dir, 'libs/a/index.js')),
    );
    expect(fs.realpathSync(path.join(c.dir, 'node_modules/left-pad'))).toBe(
      fs.realpathSync(path.join(root, 'node_modules/left-pad')),
    );
    expect(fs.realpathSync(path.join(c.dir, 'node_modules/@scope/other'))).toBe(
      fs.realpathSync(path.join(root, 'node_modules/@scope/other')),
    );
    expect(fs.readFileSync(path.join(c.dir, 'data/x.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(fs.existsSync(path.join(c.dir, 'data/y.csv'))).toBe(false);
    c.dispose();
    expect(fs.existsSync(c.dir)).toBe(false);
    expect(
      execFileSync('git', ['worktree', 'list'], { cwd: root, encoding: 'utf8' }).trim().split('\n'),
    ).toHaveLength(1);
  });

  it('names a revision that does not exist', async () => {
    const root = gitRepo({ 'a.txt': 'a' });
    await expect(checkoutRevision(root, 'no-such-branch')).rejects.toThrow(
      `'no-such-branch' is not a commit of the repository at ${root}`,
    );
  });

  it('asks for npm ci when the workspace has no node_modules', () => {
    const root = gitRepo({ 'a.txt': 'a' });
    expect(() => linkNodeModules(root, path.join(root, 'x'))).toThrow(
      /node_modules does not exist; run 'npm ci'/,
    );
  });
});

describe('revisionEnv', () => {
  it('leaves Nx to share its cache between worktrees when nothing pins it; tracking goes to the workspace', () => {
    const root = gitRepo({ 'nx.json': '{}' });
    const env = revisionEnv(root, path.join(root, 'wt'), { PATH: '/bin' });
    expect(env.NX_CACHE_DIRECTORY).toBeUndefined();
    expect(env.NX_WORKSPACE_DATA_DIRECTORY).toBeUndefined();
    expect(env.CELLAR_TRACKING_DB).toBe(path.join(root, 'mlruns/cellar.db'));
    expect(env.CELLAR_ARTIFACT_ROOT).toBe(path.join(root, 'mlruns/artifacts'));
    expect(env.NX_DAEMON).toBe('false');
  });

  it('a pinned cache: the workspace cache folder and links to its cache database only', () => {
    const root = gitRepo({ 'nx.json': '{}' });
    const data = path.join(root, '.nx/workspace-data');
    fs.mkdirSync(data, { recursive: true });
    for (const f of ['abc-v4.db', 'abc-v4.lock', 'file-map.json', 'nx_files.lock'])
      fs.writeFileSync(path.join(data, f), f);
    const wt = path.join(root, 'wt');
    const env = revisionEnv(root, wt, { NX_CACHE_DIRECTORY: '.nx/cache', CELLAR_TRACKING_DB: 'runs/x.db' });
    expect(env.NX_CACHE_DIRECTORY).toBe(path.join(root, '.nx/cache'));
    expect(env.NX_WORKSPACE_DATA_DIRECTORY).toBe(path.join(wt, '.nx/workspace-data'));
    expect(fs.readdirSync(path.join(wt, '.nx/workspace-data')).sort()).toEqual(['abc-v4.db', 'abc-v4.lock']);
    expect(fs.readFileSync(path.join(wt, '.nx/workspace-data/abc-v4.db'), 'utf8')).toBe('abc-v4.db');
    expect(env.CELLAR_TRACKING_DB).toBe(path.join(root, 'runs/x.db'));
    expect(env.CELLAR_ARTIFACT_ROOT).toBe(path.join(root, 'runs/artifacts'));
  });
});

describe('summarizeBuild', () => {
  it('sorts cacheable tasks into local, remote and computed; never-cached tasks are left out', () => {
    const out = [
      '> nx run data:pull',
      '> nx run p:train  [remote cache]',
      '> nx run q:train',
      '> nx run p:evaluate  [local cache]',
      '> nx run q:evaluate',
    ].join('\n');
    expect(summarizeBuild(out, new Set(['p:train', 'q:train', 'p:evaluate', 'q:evaluate']))).toEqual({
      tasks: 4,
      localCache: ['p:evaluate'],
      remoteCache: ['p:train'],
      computed: ['q:train', 'q:evaluate'],
    });
  });
});
