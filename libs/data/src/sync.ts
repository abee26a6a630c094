import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '@cellar/config';
import { clearStaleTemps, displayPathOf, stagingPathFor } from './atomic-write';
import { DataError } from './data-error';
import { resolveRemote, type ResolvedRemote } from './dvc-config';
import { md5File } from './md5';
import { pointerTarget, readPointer, writePointer, type DataPointer } from './pointer';
import { openRemote } from './remotes/open-remote';
import type { DataRemote } from './remotes/remote';

export interface TransferProgress {
  /** Data file, relative to root. */
  path: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface DataSyncOptions {
  root: string;
  /** Pointer files (or the data files they track), relative to root or absolute. Default: every *.dvc under data/. */
  pointers?: string[];
  /** A remote name from .dvc/config, or a URL/path (relative to root). Default: env CELLAR_DATA_REMOTE, then .dvc/config. */
  remote?: string;
  env?: Record<string, string | undefined>;
  /** Parallel transfers, default 4. */
  jobs?: number;
  /** pull: replace workspace files that differ from their pointer (their changes are lost). */
  force?: boolean;
  onProgress?: (p: TransferProgress) => void;
}

export interface PullResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  status: 'up-to-date' | 'fetched';
}

export interface PushResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  status: 'up-to-date' | 'uploaded';
}

/**
 * workspace: 'in sync' = the file matches its pointer; 'modified' = exists but differs; 'missing' = absent.
 * remote: 'in sync' = the pointer's object is in the remote; 'new' = not in the remote but the workspace
 * file matches (push will upload it); 'missing' = not in the remote and not in the workspace either
 * (nobody here can restore it).
 */
export interface DataStatusEntry {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  workspace: 'in sync' | 'modified' | 'missing';
  remote: 'in sync' | 'new' | 'missing';
}

export interface DataStatusReport {
  remote: { name: string; url: string; kind: string; source: string };
  files: DataStatusEntry[];
}

interface TrackedFile {
  pointerFile: string;
  pointer: string;
  target: string;
  path: string;
  out: DataPointer;
}

const SKIP_DIRS = new Set(['node_modules', '.git', '.nx', '.dvc']);

/** Every *.dvc file under <root>/data, sorted, relative to root. */
export function findPointers(root: string): string[] {
  const found: string[] = [];
  const walk = (dir: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name)) walk(full);
      } else if (e.isFile() && e.name.endsWith('.dvc')) {
        found.push(displayPathOf(root, full));
      }
    }
  };
  walk(path.join(root, 'data'));
  return found.sort();
}

function loadTracked(root: string, pointers: string[] | undefined): TrackedFile[] {
  const list = pointers && pointers.length > 0 ? pointers : findPointers(root);
  return list.map((p) => {
    const abs = path.resolve(root, p.endsWith('.dvc') ? p : `${p}.dvc`);
    const shownPointer = displayPathOf(root, abs);
    const out = readPointer(abs, shownPointer);
    const target = pointerTarget(abs, out);
    return { pointerFile: abs, pointer: shownPointer, target, path: displayPathOf(root, target), out };
  });
}

async function workspaceState(t: TrackedFile): Promise<'in sync' | 'modified' | 'missing'> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(t.target);
  } catch {
    return 'missing';
  }
  if (!st.isFile()) return 'modified';
  // Cheap check first: a size change needs no hashing.
  if (st.size !== t.out.size) return 'modified';
  return (await md5File(t.target)) === t.out.md5 ? 'in sync' : 'modified';
}

async function runPool<T, R>(
  items: T[],
  jobs: number,
  fn: (item: T) => Promise<R>,
): Promise<Array<PromiseSettledResult<R>>> {
  const results: Array<PromiseSettledResult<R>> = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      try {
        results[i] = { status: 'fulfilled', value: await fn(items[i]) };
      } catch (reason) {
        results[i] = { status: 'rejected', reason };
      }
    }
  };
  const n = Math.max(1, Math.min(Math.floor(jobs) || 1, items.length));
  await Promise.all(Array.from({ length: n }, worker));
  return results;
}

/** Finish every transfer, then surface the first failure (with a count of the others). */
function settle<R>(results: Array<PromiseSettledResult<R>>): R[] {
  const failures = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => r.reason as unknown);
  if (failures.length === 1) throw failures[0];
  if (failures.length > 1) {
    const first = failures[0];
    const code = first instanceof DataError ? first.code : 'TRANSFER_FAILED';
    throw new DataError(code, `${errorMessage(first)} (and ${failures.length - 1} more failed)`, {
      cause: first,
    });
  }
  return results.map((r) => (r as PromiseFulfilledResult<R>).value);
}

function remoteFor(opts: DataSyncOptions): { resolved: ResolvedRemote; remote: DataRemote } {
  const env = opts.env ?? process.env;
  const resolved = resolveRemote(opts.root, env, opts.remote);
  return { resolved, remote: openRemote(resolved, env) };
}

function progressFor(opts: DataSyncOptions, t: TrackedFile): ((done: number) => void) | undefined {
  const cb = opts.onProgress;
  if (!cb) return undefined;
  return (bytesDone) => cb({ path: t.path, bytesDone, bytesTotal: t.out.size });
}

/**
 * The pointer's check reads the path text; a symlinked folder can still lead elsewhere. Resolves the
 * deepest existing folder on the target's path (before anything is created) and refuses an escape.
 */
async function assertInsideWorkspace(realRoot: string, t: TrackedFile): Promise<void> {
  let existing = path.dirname(t.target);
  const rest: string[] = [path.basename(t.target)];
  for (;;) {
    try {
      existing = await fs.promises.realpath(existing);
      break;
    } catch {
      rest.unshift(path.basename(existing));
      existing = path.dirname(existing);
    }
  }
  const real = path.join(existing, ...rest);
  const rel = path.relative(realRoot, real);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new DataError(
      'OUTSIDE_WORKSPACE',
      `${t.pointer}: ${t.path} leads outside the workspace, to ${real} (through a symlink); pull does not write there: replace the symlink with a folder inside the workspace`,
      { file: t.pointer },
    );
  }
}

export async function pullData(opts: DataSyncOptions): Promise<PullResult[]> {
  const startedAt = Date.now();
  const root = path.resolve(opts.root);
  const tracked = loadTracked(root, opts.pointers);
  const realRoot = await fs.promises.realpath(root);
  for (const t of tracked) await assertInsideWorkspace(realRoot, t);
  const { remote } = remoteFor({ ...opts, root });
  await clearStaleTemps(
    root,
    tracked.map((t) => t.target),
    startedAt,
  );
  const results = await runPool(tracked, opts.jobs ?? 4, async (t): Promise<PullResult> => {
    const base = { pointer: t.pointer, path: t.path, md5: t.out.md5, size: t.out.size };
    const state = await workspaceState(t);
    if (state === 'in sync') return { ...base, status: 'up-to-date' };
    if (state === 'modified' && !opts.force) {
      // As DVC does: never silently discard someone's edits to a tracked file.
      throw new DataError(
        'LOCAL_CHANGES',
        `${t.path} has local changes (it no longer matches ${t.pointer}): run 'cellar data add ${t.path}' to track them, or pull with --force to discard them`,
        { file: t.path },
      );
    }
    await fs.promises.mkdir(path.dirname(t.target), { recursive: true });
    const tmp = await stagingPathFor(root, t.target);
    try {
      try {
        await remote.get(t.out.md5, tmp, progressFor(opts, t));
      } catch (err) {
        if (err instanceof DataError && err.code === 'OBJECT_NOT_FOUND') {
          throw new DataError(
            'OBJECT_NOT_FOUND',
            `${t.path}: object ${t.out.md5} is not in remote '${remote.name}' (${remote.url}); run 'cellar data push' where the file exists`,
            { file: t.path, cause: err },
          );
        }
        throw err;
      }
      const [size, md5] = [(await fs.promises.stat(tmp)).size, await md5File(tmp)];
      if (md5 !== t.out.md5 || size !== t.out.size) {
        throw new DataError(
          'CHECKSUM_MISMATCH',
          md5 !== t.out.md5
            ? `md5 mismatch for ${t.path} from remote '${remote.name}': expected ${t.out.md5}, got ${md5}; the remote object is corrupt`
            : `size mismatch for ${t.path} from remote '${remote.name}': expected ${t.out.size} bytes, got ${size}; the remote object is corrupt`,
          { file: t.path },
        );
      }
      await fs.promises.rename(tmp, t.target);
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
    return { ...base, status: 'fetched' };
  });
  return settle(results);
}

export async function pushData(opts: DataSyncOptions): Promise<PushResult[]> {
  const root = path.resolve(opts.root);
  const tracked = loadTracked(root, opts.pointers);
  const { remote } = remoteFor({ ...opts, root });
  const results = await runPool(tracked, opts.jobs ?? 4, async (t): Promise<PushResult> => {
    const base = { pointer: t.pointer, path: t.path, md5: t.out.md5, size: t.out.size };
    const ws = await workspaceState(t);
    if (ws === 'modified') {
      throw new DataError(
        'WORKSPACE_MISMATCH',
        `${t.path} no longer matches ${t.pointer} (md5 ${t.out.md5}); run 'cellar data add ${t.path}' again before pushing`,
        { file: t.path },
      );
    }
    if (await remote.has(t.out.md5)) return { ...base, status: 'up-to-date' };
    if (ws === 'missing') {
      throw new DataError(
        'WORKSPACE_MISSING',
        `${t.path} is missing and its object ${t.out.md5} is not in remote '${remote.name}'; restore the file, then run 'cellar data add ${t.path}'`,
        { file: t.path },
      );
    }
    await remote.put(t.out.md5, t.target, progressFor(opts, t));
    return { ...base, status: 'uploaded' };
  });
  return settle(results);
}

export async function dataStatus(opts: DataSyncOptions): Promise<DataStatusReport> {
  const root = path.resolve(opts.root);
  const tracked = loadTracked(root, opts.pointers);
  const { resolved, remote } = remoteFor({ ...opts, root });
  const results = await runPool(tracked, opts.jobs ?? 4, async (t): Promise<DataStatusEntry> => {
    const [workspace, inRemote] = await Promise.all([workspaceState(t), remote.has(t.out.md5)]);
    const remoteState = inRemote ? 'in sync' : workspace === 'in sync' ? 'new' : 'missing';
    return {
      pointer: t.pointer,
      path: t.path,
      md5: t.out.md5,
      size: t.out.size,
      workspace,
      remote: remoteState,
    };
  });
  return {
    remote: { name: resolved.name, url: resolved.url, kind: resolved.kind, source: resolved.source },
    files: settle(results),
  };
}

export interface AddDataOptions {
  root: string;
  /** The data file, relative to root or absolute. */
  file: string;
  push?: boolean;
  remote?: string;
  env?: Record<string, string | undefined>;
  onProgress?: (p: TransferProgress) => void;
}

export interface AddDataResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  gitignore: string;
  pushed: boolean;
}

function addToGitignore(dir: string, name: string): string {
  const file = path.join(dir, '.gitignore');
  const entry = `/${name}`;
  const existing = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const lines = existing.split(/\r?\n/).map((l) => l.trim());
  if (!lines.includes(entry) && !lines.includes(name)) {
    const sep = existing === '' || existing.endsWith('\n') ? '' : '\n';
    fs.writeFileSync(file, `${existing}${sep}${entry}\n`);
  }
  return file;
}

export async function addData(opts: AddDataOptions): Promise<AddDataResult> {
  const root = path.resolve(opts.root);
  const abs = path.resolve(root, opts.file);
  const shown = displayPathOf(root, abs);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(abs);
  } catch {
    throw new DataError('FILE_NOT_FOUND', `${shown}: file not found; check the path`, { file: shown });
  }
  if (!st.isFile()) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: is not a regular file; only single files can be tracked`,
      { file: shown },
    );
  }
  if (shown === abs.split(path.sep).join('/')) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: is outside the workspace ${root}; move it under data/`,
      { file: shown },
    );
  }
  if (abs.endsWith('.dvc')) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: is already a pointer file; add the data file it tracks instead`,
      {
        file: shown,
      },
    );
  }
  const md5 = await md5File(abs);
  const pointerFile = `${abs}.dvc`;
  writePointer(pointerFile, { md5, size: st.size, path: path.basename(abs) });
  const gitignore = addToGitignore(path.dirname(abs), path.basename(abs));
  const result: AddDataResult = {
    pointer: displayPathOf(root, pointerFile),
    path: shown,
    md5,
    size: st.size,
    gitignore: displayPathOf(root, gitignore),
    pushed: false,
  };
  if (opts.push) {
    await pushData({
      root,
      pointers: [result.pointer],
      remote: opts.remote,
      env: opts.env,
      onProgress: opts.onProgress,
    });
    result.pushed = true;
  }
  return result;
}
