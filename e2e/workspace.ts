// Builds throw-away copies of this workspace for end-to-end tests that run real `nx`.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const REPO = resolve(__dirname, '..');
export const EXAMPLE_REMOTE = resolve(REPO, 'data/remote');
export const WINE_CSV = resolve(EXAMPLE_REMOTE, 'files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

const COPY = [
  '.env',
  'nx.json',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
  'tsconfig.json',
  '.gitignore',
  '.dvc',
  'apps',
  'configs',
  'data',
  'libs',
  'tools',
];

export interface TempWorkspace {
  root: string;
  env: NodeJS.ProcessEnv;
  nx(args: string[], extraEnv?: NodeJS.ProcessEnv): RunResult;
  /** For tests whose servers live in the test process: spawnSync would block their event loop. */
  nxAsync(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<RunResult>;
  cellar(args: string[], extraEnv?: NodeJS.ProcessEnv): RunResult;
  git(args: string[]): string;
  dispose(): void;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  output: string;
}

/**
 * A fresh git repo holding this workspace's sources, with node_modules linked to the repo's
 * (except @cellar/*, linked to the copy's own libs so the copy runs its own code), its own Nx
 * cache directory (nx-facts: the default cache is shared per repo id) and the shared DVC remote.
 */
export function createTempWorkspace(prefix = 'cellar-e2e-'): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), prefix));
  for (const entry of COPY) {
    cpSync(join(REPO, entry), join(root, entry), {
      recursive: true,
      filter: (src) =>
        !/(\/node_modules|\/\.nx|\/mlruns|\/reports|model\.json$|metrics\.json$|\.csv$)/.test(
          src.slice(REPO.length),
        ),
    });
  }
  linkNodeModules(root);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_ISOLATE_PLUGINS: 'false',
    NX_CACHE_DIRECTORY: join(root, '.nx', 'cache'),
    NX_SKIP_NX_CACHE: undefined,
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: undefined,
    NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: undefined,
    CELLAR_DATA_REMOTE: undefined,
    CELLAR_TRACKING_DB: undefined,
    CELLAR_ARTIFACT_ROOT: undefined,
    CELLAR_WEBHOOK_URL: undefined,
    FORCE_COLOR: '0',
    CI: 'true',
  };
  const git = (args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      env: {
        ...env,
        GIT_AUTHOR_NAME: 'e2e',
        GIT_AUTHOR_EMAIL: 'e2e@localhost',
        GIT_COMMITTER_NAME: 'e2e',
        GIT_COMMITTER_EMAIL: 'e2e@localhost',
      },
      encoding: 'utf8',
    });
  git(['init', '-q', '-b', 'main']);
  git(['add', '-A']);
  git(['commit', '-qm', 'initial']);
  const run = (cmd: string[], extraEnv: NodeJS.ProcessEnv = {}): RunResult => {
    const r = spawnSync(process.execPath, cmd, {
      cwd: root,
      env: { ...env, ...extraEnv },
      encoding: 'utf8',
      timeout: 300_000,
    });
    return { code: r.status ?? 1, stdout: r.stdout, stderr: r.stderr, output: r.stdout + r.stderr };
  };
  const runAsync = (cmd: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
    new Promise<RunResult>((resolve) => {
      const child = spawn(process.execPath, cmd, { cwd: root, env: { ...env, ...extraEnv } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr, output: stdout + stderr }));
    });
  const nxBin = join(root, 'node_modules/nx/dist/bin/nx.js');
  return {
    root,
    env,
    nx: (args, extraEnv) => run([nxBin, ...args], extraEnv),
    nxAsync: (args, extraEnv) => runAsync([nxBin, ...args], extraEnv),
    cellar: (args, extraEnv) => run([join(root, 'tools/cli/bin/cellar.js'), ...args], extraEnv),
    git,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/** The copy's own node_modules/.bin, with the repo's relative links (so `npx cellar` is the copy's). */
export function linkBins(ws: TempWorkspace): void {
  const bin = join(ws.root, 'node_modules/.bin');
  mkdirSync(bin, { recursive: true });
  for (const name of readdirSync(join(REPO, 'node_modules/.bin'))) {
    symlinkSync(readlinkSync(join(REPO, 'node_modules/.bin', name)), join(bin, name));
  }
}

function linkNodeModules(root: string): void {
  const src = join(REPO, 'node_modules');
  const dst = join(root, 'node_modules');
  mkdirSync(join(dst, '@cellar'), { recursive: true });
  for (const entry of readdirSync(src)) {
    if (entry === '@cellar' || entry === '.bin' || entry === '.package-lock.json') continue;
    symlinkSync(join(src, entry), join(dst, entry));
  }
  // Every workspace package of the copy, found as npm finds them (package.json "workspaces").
  for (const { name, dir } of workspacePackages()) {
    if (name.startsWith('@cellar/')) symlinkSync(join(root, dir), join(dst, name));
    // What npm could not hoist (tools/cli's commander 14 beside s3rver's commander 5 at the root).
    if (existsSync(join(REPO, dir, 'node_modules')))
      symlinkSync(join(REPO, dir, 'node_modules'), join(root, dir, 'node_modules'));
  }
}

/** The repository's npm workspace packages: name and folder relative to the repo. */
export function workspacePackages(): Array<{ name: string; dir: string }> {
  const globs = (JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  return globs.flatMap((g) => {
    const parent = g.replace(/\/\*$/, '');
    return readdirSync(join(REPO, parent))
      .filter((d) => existsSync(join(REPO, parent, d, 'package.json')))
      .map((d) => ({
        name: (JSON.parse(readFileSync(join(REPO, parent, d, 'package.json'), 'utf8')) as { name: string })
          .name,
        dir: `${parent}/${d}`,
      }));
  });
}
