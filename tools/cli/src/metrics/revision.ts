// A git revision checked out beside the workspace, ready for `nx`: a temporary `git worktree` with
// node_modules linked to the workspace's, the data files it points at, and the workspace's caches.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { md5File, readPointer } from '@cellar/data';
import { MetricsError } from './metrics-error';

/** The working tree itself, not a commit: what `cellar metrics diff` compares HEAD against by default. */
export const WORKSPACE_REV = 'workspace';

export interface Checkout {
  /** What the user asked for (`HEAD~1`, `main`, a sha) or `workspace`. */
  rev: string;
  /** Full commit sha; null for the working tree. */
  sha: string | null;
  dir: string;
  dispose(): void;
}

export function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    }).trim();
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? '').trim();
    throw new MetricsError('GIT_FAILED', `git ${args.join(' ')} failed in ${root}: ${stderr || String(e)}`);
  }
}

export function resolveRevision(root: string, rev: string): string {
  try {
    execFileSync('git', ['rev-parse', '--git-dir'], { cwd: root, stdio: 'ignore' });
  } catch {
    throw new MetricsError(
      'GIT_FAILED',
      `${root} is not in a git repository: revisions can only be compared in a git checkout`,
    );
  }
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${rev}^{commit}`], {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    throw new MetricsError(
      'UNKNOWN_REVISION',
      `'${rev}' is not a commit of the repository at ${root} (try a branch, a tag, a sha or HEAD~1)`,
    );
  }
}

/** The working tree as a checkout: nothing to create or remove. */
export function workspaceCheckout(root: string): Checkout {
  return { rev: WORKSPACE_REV, sha: null, dir: root, dispose: () => undefined };
}

/**
 * `git worktree add --detach` of a revision into a temporary folder, outside the workspace so Nx
 * never sees it as part of the workspace. Removed (and pruned from git) by dispose().
 */
export async function checkoutRevision(root: string, rev: string): Promise<Checkout> {
  const sha = resolveRevision(root, rev);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cellar-rev-${sha.slice(0, 8)}-`));
  git(root, ['worktree', 'add', '--detach', '--force', dir, sha]);
  const dispose = () => {
    try {
      git(root, ['worktree', 'remove', '--force', dir]);
    } catch {
      fs.rmSync(dir, { recursive: true, force: true });
      git(root, ['worktree', 'prune']);
    }
  };
  try {
    linkNodeModules(root, dir);
    await linkDataFiles(root, dir);
  } catch (e) {
    dispose();
    throw e;
  }
  return { rev, sha, dir, dispose };
}

/**
 * node_modules for the worktree: every entry links to the workspace's, except the workspace's own
 * packages (`@cellar/*` here), which link into the worktree. The revision runs its own plugin,
 * executors and libs, so its tasks hash (and compute) exactly as they did when that commit was built;
 * the workspace's links are relative to the workspace and would run today's code instead.
 */
export function linkNodeModules(root: string, dir: string): void {
  const src = path.join(root, 'node_modules');
  if (!fs.existsSync(src)) {
    throw new MetricsError('NO_NODE_MODULES', `${src} does not exist; run 'npm ci' in the workspace first`);
  }
  const dst = path.join(dir, 'node_modules');
  fs.mkdirSync(dst, { recursive: true });
  const own = workspacePackages(dir);
  const scopes = new Set([...own.keys()].filter((n) => n.startsWith('@')).map((n) => n.split('/')[0]));
  for (const entry of fs.readdirSync(src)) {
    if (entry === '.package-lock.json' || entry === '.cache') continue;
    if (entry === '.bin') {
      // The same relative links, so `node_modules/.bin/<tool>` of a workspace package is the worktree's.
      fs.mkdirSync(path.join(dst, '.bin'));
      for (const bin of fs.readdirSync(path.join(src, '.bin'))) {
        const from = path.join(src, '.bin', bin);
        const target = fs.lstatSync(from).isSymbolicLink() ? fs.readlinkSync(from) : from;
        fs.symlinkSync(target, path.join(dst, '.bin', bin));
      }
    } else if (scopes.has(entry)) {
      fs.mkdirSync(path.join(dst, entry), { recursive: true });
      for (const sub of fs.readdirSync(path.join(src, entry))) {
        if (!own.has(`${entry}/${sub}`))
          fs.symlinkSync(path.join(src, entry, sub), path.join(dst, entry, sub));
      }
    } else if (!own.has(entry)) {
      fs.symlinkSync(path.join(src, entry), path.join(dst, entry));
    }
  }
  for (const [name, folder] of own) {
    fs.mkdirSync(path.dirname(path.join(dst, name)), { recursive: true });
    fs.symlinkSync(folder, path.join(dst, name));
  }
}

/** The npm workspace packages of a checkout (package.json "workspaces" globs of the form `dir/*`). */
function workspacePackages(dir: string): Map<string, string> {
  const found = new Map<string, string>();
  let globs: string[] = [];
  try {
    globs =
      (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { workspaces?: string[] })
        .workspaces ?? [];
  } catch {
    return found;
  }
  for (const g of globs) {
    const parents = g.endsWith('/*') ? [g.slice(0, -2)] : [];
    const folders = g.endsWith('/*') ? [] : [g];
    for (const parent of parents) {
      for (const d of safeReaddir(path.join(dir, parent))) folders.push(`${parent}/${d}`);
    }
    for (const folder of folders) {
      const manifest = path.join(dir, folder, 'package.json');
      if (!fs.existsSync(manifest)) continue;
      const name = (JSON.parse(fs.readFileSync(manifest, 'utf8')) as { name?: string }).name;
      if (name) found.set(name, path.join(dir, folder));
    }
  }
  return found;
}

function safeReaddir(dir: string): string[] {
  try {
    return fs.readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Tracked data files for the worktree, taken from the workspace when the workspace's copy has the
 * md5 the revision's pointer names (hard link, else copy). Anything else is left to the revision's own
 * `data:pull`, which every pipeline depends on.
 */
export async function linkDataFiles(root: string, dir: string): Promise<string[]> {
  const linked: string[] = [];
  const pointers = git(dir, ['ls-files', '-z', '--', '*.dvc'])
    .split('\0')
    .filter((f) => f.length > 0);
  for (const rel of pointers) {
    let pointer;
    try {
      pointer = readPointer(path.join(dir, rel), rel);
    } catch {
      continue; // the revision's data:pull reports a broken pointer in its own words
    }
    const dataRel = path.join(path.dirname(rel), pointer.path);
    const have = path.join(root, dataRel);
    if (!fs.existsSync(have) || !fs.statSync(have).isFile()) continue;
    if ((await md5File(have)) !== pointer.md5) continue;
    const want = path.join(dir, dataRel);
    fs.mkdirSync(path.dirname(want), { recursive: true });
    try {
      fs.linkSync(have, want);
    } catch {
      fs.copyFileSync(have, want);
    }
    linked.push(dataRel);
  }
  return linked;
}

/**
 * The environment `nx` runs with in a worktree, so it reads and writes the workspace's caches and logs
 * to the workspace's tracking store.
 *
 * Caches: Nx 23 indexes its cache directory in a database (`<id>-v<N>.db`) under the workspace-data
 * directory; only a hit in that database restores. With neither `NX_CACHE_DIRECTORY`,
 * `NX_WORKSPACE_DATA_DIRECTORY` nor nx.json's `cacheDirectory` set, Nx already shares the cache and
 * that database between every checkout of one repository (`~/.nx/<workspace id>`, git worktrees
 * included). When one is set, the worktree gets the workspace's cache directory (absolute) and a
 * workspace-data directory of its own holding links to the workspace's database files only: sharing
 * the whole directory would also share Nx's file-hash cache, keyed by relative path, and the workspace
 * would then hash a file as the worktree's copy of it (measured: an edited logreg.yaml restored the
 * old model).
 *
 * Tracking: a task restored from the cache does not run and logs nothing. One that must compute logs
 * its run to the workspace's store (as `dvc exp run` keeps experiments), with artifacts under the
 * workspace's artifact root, so nothing points into the worktree once it is removed.
 */
export function revisionEnv(
  root: string,
  dir: string,
  env: Record<string, string | undefined>,
): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = { ...env, NX_DAEMON: 'false' };
  const configured = readCacheDirectory(root);
  if (
    env.NX_CACHE_DIRECTORY ||
    env.NX_WORKSPACE_DATA_DIRECTORY ||
    env.NX_PROJECT_GRAPH_CACHE_DIRECTORY ||
    configured
  ) {
    out.NX_CACHE_DIRECTORY = path.resolve(root, env.NX_CACHE_DIRECTORY || configured || '.nx/cache');
    const mainData = path.resolve(
      root,
      env.NX_WORKSPACE_DATA_DIRECTORY || env.NX_PROJECT_GRAPH_CACHE_DIRECTORY || '.nx/workspace-data',
    );
    const ownData = path.join(dir, '.nx', 'workspace-data');
    fs.mkdirSync(ownData, { recursive: true });
    for (const f of safeReaddir(mainData)) {
      if (/-v\d+\.(db|lock)$/.test(f) && !fs.existsSync(path.join(ownData, f))) {
        fs.symlinkSync(path.join(mainData, f), path.join(ownData, f));
      }
    }
    out.NX_WORKSPACE_DATA_DIRECTORY = ownData;
    delete out.NX_PROJECT_GRAPH_CACHE_DIRECTORY;
  }
  const dbPath = path.resolve(root, env.CELLAR_TRACKING_DB || 'mlruns/cellar.db');
  out.CELLAR_TRACKING_DB = dbPath;
  out.CELLAR_ARTIFACT_ROOT = path.resolve(
    root,
    env.CELLAR_ARTIFACT_ROOT || path.join(path.dirname(dbPath), 'artifacts'),
  );
  return out;
}

function readCacheDirectory(root: string): string | undefined {
  try {
    const nxJson = JSON.parse(fs.readFileSync(path.join(root, 'nx.json'), 'utf8')) as {
      cacheDirectory?: string;
    };
    return nxJson.cacheDirectory;
  } catch {
    return undefined;
  }
}
