import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { errorMessage } from '@cellar/config';
import { clearStaleTemps, displayPathOf, stagingPathFor, WORKSPACE_TMP_DIR } from './atomic-write';
import { CACHE_DIR, LocalCache } from './cache';
import { DataError } from './data-error';
import { dirObjectMd5, isDirMd5, parseDirObject, serializeDirObject, type DirEntry } from './dir-object';
import { resolveRemote, type ResolvedRemote } from './dvc-config';
import { HashState } from './hash-state';
import { md5File } from './md5';
import { pointerTarget, readPointer, writePointer, type DataPointer } from './pointer';
import { openRemote } from './remotes/open-remote';
import type { DataRemote } from './remotes/remote';
import { listFolder, pruneEmptyParents } from './workspace-folder';

export interface TransferProgress {
  /** Data file or folder, relative to root. */
  path: string;
  bytesDone: number;
  bytesTotal: number;
}

export interface DataSyncOptions {
  root: string;
  /**
   * Pointer files (or the data files and folders they track), relative to root or absolute: act on
   * these only. Default: every *.dvc under data/.
   */
  pointers?: string[];
  /** A remote name from .dvc/config, or a URL/path (relative to root). Default: env CELLAR_DATA_REMOTE, then .dvc/config. */
  remote?: string;
  env?: Record<string, string | undefined>;
  /** Parallel transfers and hashes, default 4. */
  jobs?: number;
  /** pull/checkout: replace workspace files that differ from their pointer (their changes are lost). */
  force?: boolean;
  onProgress?: (p: TransferProgress) => void;
}

/**
 * 'up-to-date': nothing written; 'restored': written from the local cache (.cellar/cache) only;
 * 'fetched': at least one object was downloaded from the remote.
 */
export interface PullResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  status: 'up-to-date' | 'restored' | 'fetched';
  /** Files of a folder pointer. */
  nfiles?: number;
  /** Objects read from the remote (a folder's listing counts as one). */
  downloaded: number;
  /** Workspace files written (from the cache, after any download). */
  written: number;
  /** Files removed from a tracked folder because this version does not have them. */
  removed: number;
}

export interface PushResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  status: 'up-to-date' | 'uploaded';
  nfiles?: number;
  /** Objects written to the remote (a folder's listing counts as one). */
  uploaded: number;
}

/**
 * workspace: 'in sync' = the file matches its pointer; 'modified' = exists but differs (a folder: a
 * file differs, or a file not in the pointer is there); 'missing' = absent.
 * remote: 'in sync' = the object is in the remote; 'new' = not in the remote but here, in the workspace
 * or the local cache (push will upload it); 'missing' = nowhere (nobody here can restore it).
 * A folder pointer gives one entry for the folder (md5 `<…>.dir`, its listing object), then one per file.
 */
export interface DataStatusEntry {
  pointer: string;
  path: string;
  md5: string;
  /** Bytes: the pointer's size; for a file inside a folder, the workspace file's (absent when missing). */
  size?: number;
  workspace: 'in sync' | 'modified' | 'missing';
  remote: 'in sync' | 'new' | 'missing';
  nfiles?: number;
  /** Folder entries: files in the workspace folder that its pointer does not list. */
  untracked?: string[];
}

export interface DataStatusReport {
  remote: { name: string; url: string; kind: string; source: string };
  files: DataStatusEntry[];
}

interface Tracked {
  pointerFile: string;
  pointer: string;
  target: string;
  path: string;
  out: DataPointer;
  isDir: boolean;
}

/** One workspace file a pointer wants: the pointer's own file, or one file of its folder. */
interface WantedFile {
  path: string;
  target: string;
  md5: string;
  /** Known for file pointers; a folder listing has no sizes. */
  size?: number;
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

/** `data/x.csv`, `data/x.csv.dvc`, `data/images/` and `data/images.dvc` all name a pointer file. */
export function pointerFileFor(root: string, p: string): string {
  const trimmed = p.replace(/[\\/]+$/, '');
  return path.resolve(root, trimmed.endsWith('.dvc') ? trimmed : `${trimmed}.dvc`);
}

function loadTracked(root: string, pointers: string[] | undefined): Tracked[] {
  const list = pointers && pointers.length > 0 ? pointers : findPointers(root);
  const seen = new Set<string>();
  const tracked: Tracked[] = [];
  for (const p of list) {
    const abs = pointerFileFor(root, p);
    if (seen.has(abs)) continue;
    seen.add(abs);
    const shownPointer = displayPathOf(root, abs);
    const out = readPointer(abs, shownPointer);
    const target = pointerTarget(abs, out);
    tracked.push({
      pointerFile: abs,
      pointer: shownPointer,
      target,
      path: displayPathOf(root, target),
      out,
      isDir: isDirMd5(out.md5),
    });
  }
  return tracked;
}

function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  const max = Math.max(1, Math.floor(n) || 1);
  return async (fn) => {
    while (active >= max) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await fn();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

async function settleAll<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  return settle(await Promise.allSettled(items.map(fn)));
}

/** Finish every operation, then surface the first failure (with a count of the others). */
function settle<R>(results: Array<PromiseSettledResult<R>>): R[] {
  const failures = [
    ...new Set(
      results
        .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
        .map((r) => r.reason as unknown),
    ),
  ];
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

function throwAll(errors: DataError[]): void {
  settle(errors.map((reason): PromiseSettledResult<never> => ({ status: 'rejected', reason })));
}

/** What one pull/push/status/checkout shares: the cache, a lazily opened remote, a limit on parallel work. */
interface Ctx {
  root: string;
  opts: DataSyncOptions;
  cache: LocalCache;
  /** md5s of unchanged workspace files, remembered across runs. */
  state: HashState;
  /** Objects this run downloaded and checked: copying them out needs no second hash. */
  fresh: Set<string>;
  limit: <T>(fn: () => Promise<T>) => Promise<T>;
  /** Opened on first use only: a pull served from the cache needs no remote at all. */
  remote(): { resolved: ResolvedRemote; remote: DataRemote };
}

function makeCtx(opts: DataSyncOptions): Ctx {
  const root = path.resolve(opts.root);
  let opened: { resolved: ResolvedRemote; remote: DataRemote } | undefined;
  let failed: unknown;
  return {
    root,
    opts,
    cache: new LocalCache(root),
    state: HashState.load(root),
    fresh: new Set(),
    limit: limiter(opts.jobs ?? 4),
    remote() {
      if (opened) return opened;
      if (failed) throw failed;
      try {
        const env = opts.env ?? process.env;
        const resolved = resolveRemote(root, env, opts.remote);
        opened = { resolved, remote: openRemote(resolved, env) };
        return opened;
      } catch (err) {
        failed = err;
        throw err;
      }
    },
  };
}

/** Progress per pointer: a folder's files add up to the folder's size. */
function progressFor(ctx: Ctx, t: Tracked): () => ((done: number) => void) | undefined {
  const cb = ctx.opts.onProgress;
  let total = 0;
  return () => {
    if (!cb) return undefined;
    let mine = 0;
    return (bytesDone) => {
      total += bytesDone - mine;
      mine = bytesDone;
      cb({ path: t.path, bytesDone: total, bytesTotal: t.out.size });
    };
  };
}

function md5Buffer(data: Buffer): string {
  return crypto.createHash('md5').update(data).digest('hex');
}

function corrupt(what: string, remoteName: string, expected: string, got: string): DataError {
  return new DataError(
    'CHECKSUM_MISMATCH',
    `md5 mismatch for ${what} from remote '${remoteName}': expected ${expected}, got ${got}; the remote object is corrupt`,
    { file: what },
  );
}

/**
 * Checks a folder listing against its name: DVC's exact bytes hash to it; so does the listing of a
 * with-meta variant once re-serialised the way DVC hashes it.
 */
function verifyDirObject(bytes: Buffer, md5: string, where: string): DirEntry[] | { got: string } {
  const got = md5Buffer(bytes);
  let entries: DirEntry[];
  try {
    entries = parseDirObject(bytes, where);
  } catch (err) {
    if (`${got}.dir` === md5) throw err;
    return { got: `${got}.dir` };
  }
  if (`${got}.dir` === md5 || dirObjectMd5(entries) === md5) return entries;
  return { got: `${got}.dir` };
}

/** A folder pointer's listing: from the cache, else (when allowed) from the remote into the cache. */
async function loadTree(
  ctx: Ctx,
  t: Tracked,
  fetch: boolean,
): Promise<{ entries: DirEntry[]; downloaded: number } | undefined> {
  const md5 = t.out.md5;
  const where = `${t.pointer}: folder listing ${md5}`;
  if (await ctx.cache.has(md5)) {
    const checked = verifyDirObject(await ctx.cache.read(md5), md5, where);
    if (Array.isArray(checked)) return { entries: checked, downloaded: 0 };
    await ctx.cache.remove(md5);
  }
  if (!fetch) return undefined;
  const { remote } = ctx.remote();
  const tmp = await stagingPathFor(ctx.root, path.join(ctx.root, WORKSPACE_TMP_DIR, 'listing.dir'));
  try {
    await ctx.limit(() => getObject(remote, t.path, md5, tmp));
    const bytes = await fs.promises.readFile(tmp);
    const checked = verifyDirObject(bytes, md5, where);
    if (!Array.isArray(checked)) throw corrupt(`the listing of ${t.path}`, remote.name, md5, checked.got);
    await ctx.cache.insertBytes(md5, bytes);
    return { entries: checked, downloaded: 1 };
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

async function getObject(
  remote: DataRemote,
  shown: string,
  md5: string,
  tmp: string,
  onProgress?: (done: number) => void,
): Promise<void> {
  try {
    await remote.get(md5, tmp, onProgress);
  } catch (err) {
    if (err instanceof DataError && err.code === 'OBJECT_NOT_FOUND') {
      throw new DataError(
        'OBJECT_NOT_FOUND',
        `${shown}: object ${md5} is not in remote '${remote.name}' (${remote.url}); run 'cellar data push' where the file exists`,
        { file: shown, cause: err },
      );
    }
    throw err;
  }
}

function wantedFiles(t: Tracked, entries: DirEntry[] | undefined): WantedFile[] {
  if (!entries) return [{ path: t.path, target: t.target, md5: t.out.md5, size: t.out.size }];
  return entries.map((e) => ({
    path: `${t.path}/${e.relpath}`,
    target: path.join(t.target, ...e.relpath.split('/')),
    md5: e.md5,
  }));
}

type FileState =
  | { state: 'in sync' }
  | { state: 'missing' }
  /** md5: undefined when not a regular file, or not hashed (size differs) yet. */
  | { state: 'modified'; isFile: boolean; md5?: string };

async function inspectFile(ctx: Ctx, f: WantedFile): Promise<FileState> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(f.target);
  } catch {
    return { state: 'missing' };
  }
  if (!st.isFile()) return { state: 'modified', isFile: false };
  // Cheap check first: a size change needs no hashing.
  if (f.size !== undefined && st.size !== f.size) return { state: 'modified', isFile: true };
  const md5 = await ctx.state.md5Of(f.target, ctx.limit);
  return md5 === f.md5 ? { state: 'in sync' } : { state: 'modified', isFile: true, md5 };
}

/**
 * As DVC's checkout does (dvc-data checkout: it only removes what the cache can give back): a
 * workspace file may be replaced or removed without --force when its content is in the cache.
 */
async function isRecoverable(ctx: Ctx, file: string, known?: string): Promise<boolean> {
  const st = await fs.promises.lstat(file).catch(() => null);
  if (!st?.isFile()) return false;
  const md5 = known ?? (await ctx.state.md5Of(file, ctx.limit));
  return ctx.cache.has(md5);
}

/**
 * The pointer's check reads the path text; a symlinked folder can still lead elsewhere. Resolves the
 * deepest existing folder on the target's path (before anything is created) and refuses an escape.
 */
async function assertInsideWorkspace(
  realRoot: string,
  pointer: string,
  shown: string,
  target: string,
): Promise<void> {
  let existing = path.dirname(target);
  const rest: string[] = [path.basename(target)];
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
      `${pointer}: ${shown} leads outside the workspace, to ${real} (through a symlink); pull does not write there: replace the symlink with a folder inside the workspace`,
      { file: pointer },
    );
  }
}

/** Downloads one object into the cache, md5 (and size, when known) checked before it is kept. */
async function fetchIntoCache(
  ctx: Ctx,
  f: WantedFile,
  progress: ((done: number) => void) | undefined,
): Promise<void> {
  const { remote } = ctx.remote();
  const dest = ctx.cache.pathOf(f.md5);
  await fs.promises.mkdir(path.dirname(dest), { recursive: true });
  // Named after the data file, so a partial download in .cellar/tmp says what it was.
  const tmp = await stagingPathFor(ctx.root, path.join(path.dirname(dest), path.basename(f.target)));
  try {
    await ctx.limit(() => getObject(remote, f.path, f.md5, tmp, progress));
    const [size, md5] = [(await fs.promises.stat(tmp)).size, await ctx.limit(() => md5File(tmp))];
    if (md5 !== f.md5) throw corrupt(f.path, remote.name, f.md5, md5);
    if (f.size !== undefined && size !== f.size) {
      throw new DataError(
        'CHECKSUM_MISMATCH',
        `size mismatch for ${f.path} from remote '${remote.name}': expected ${f.size} bytes, got ${size}; the remote object is corrupt`,
        { file: f.path },
      );
    }
    await ctx.cache.insertMoving(f.md5, tmp);
    ctx.fresh.add(f.md5);
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

/** Copies a cached object into the workspace: staged, md5-checked, renamed into place. */
async function placeFromCache(ctx: Ctx, f: WantedFile): Promise<boolean> {
  await fs.promises.mkdir(path.dirname(f.target), { recursive: true });
  const tmp = await stagingPathFor(ctx.root, f.target);
  try {
    await fs.promises.copyFile(ctx.cache.pathOf(f.md5), tmp, fs.constants.COPYFILE_FICLONE);
    await fs.promises.chmod(tmp, 0o644);
    if (!ctx.fresh.has(f.md5) && (await ctx.limit(() => md5File(tmp))) !== f.md5) {
      await ctx.cache.remove(f.md5);
      return false;
    }
    const st = await fs.promises.lstat(f.target).catch(() => null);
    if (st?.isDirectory()) await fs.promises.rm(f.target, { recursive: true, force: true });
    await fs.promises.rename(tmp, f.target);
    return true;
  } finally {
    await fs.promises.rm(tmp, { force: true });
  }
}

function localChanges(t: Tracked, shown: string, verb: 'pull' | 'checkout', extra: boolean): DataError {
  return new DataError(
    'LOCAL_CHANGES',
    extra
      ? `${shown} is not in ${t.pointer}: run 'cellar data add ${t.path}' to track it, or ${verb} with --force to remove it`
      : `${shown} has local changes (it no longer matches ${t.pointer}): run 'cellar data add ${t.path}' to track them, or ${verb} with --force to discard them`,
    { file: shown },
  );
}

/** pull = checkout from the cache, fetching into the cache first what it lacks (as `dvc pull` = fetch + checkout). */
async function syncPointer(
  ctx: Ctx,
  t: Tracked,
  realRoot: string,
  mode: 'pull' | 'checkout',
): Promise<PullResult> {
  const force = ctx.opts.force === true;
  const base = {
    pointer: t.pointer,
    path: t.path,
    md5: t.out.md5,
    size: t.out.size,
    ...(t.isDir ? { nfiles: t.out.nfiles } : {}),
  };
  let downloaded = 0;
  let entries: DirEntry[] | undefined;
  if (t.isDir) {
    const tree = await loadTree(ctx, t, mode === 'pull');
    if (!tree) throw notInCache(t, t.path, t.out.md5, true);
    entries = tree.entries;
    downloaded += tree.downloaded;
    if (base.nfiles === undefined) base.nfiles = entries.length;
  }
  const files = wantedFiles(t, entries);
  const checkedDirs = new Map<string, Promise<void>>();
  const states = await settleAll(files, async (f) => {
    const dir = path.dirname(f.target);
    if (!checkedDirs.has(dir))
      checkedDirs.set(dir, assertInsideWorkspace(realRoot, t.pointer, f.path, f.target));
    await checkedDirs.get(dir);
    return inspectFile(ctx, f);
  });

  // Refuse before anything changes: each file to replace or remove must be recoverable, or --force given.
  const blockers: DataError[] = [];
  let stray: string[] = [];
  if (t.isDir) {
    const top = await fs.promises.lstat(t.target).catch(() => null);
    if (top && !top.isDirectory()) {
      if (!force && !(await isRecoverable(ctx, t.target)))
        blockers.push(localChanges(t, t.path, mode, false));
      stray = [t.target];
    } else {
      const listed = new Set(entries!.map((e) => e.relpath));
      const extra = (await listFolder(t.target)).filter((e) => !listed.has(e.relpath));
      for (const e of extra) {
        if (!force && !(await isRecoverable(ctx, e.abs)))
          blockers.push(localChanges(t, `${t.path}/${e.relpath}`, mode, true));
      }
      stray = extra.map((e) => e.abs);
    }
  }
  for (const [i, s] of states.entries()) {
    if (s.state !== 'modified' || force) continue;
    if (!s.isFile || !(await isRecoverable(ctx, files[i].target, s.md5)))
      blockers.push(localChanges(t, files[i].path, mode, false));
  }
  throwAll(blockers);

  const todo = files.filter((_, i) => states[i].state !== 'in sync');
  const progress = progressFor(ctx, t);
  // Fetch what the cache lacks; the workspace is untouched until every object is here and checked.
  const missing = (await settleAll(todo, async (f) => ((await ctx.cache.has(f.md5)) ? undefined : f))).filter(
    (f): f is WantedFile => f !== undefined,
  );
  if (mode === 'checkout') throwAll(missing.map((f) => notInCache(t, f.path, f.md5, false)));
  const unique = [...new Map(missing.map((f) => [f.md5, f])).values()];
  await settleAll(unique, (f) => fetchIntoCache(ctx, f, progress()));
  downloaded += unique.length;

  for (const s of stray) {
    await fs.promises.rm(s, { force: true });
    if (t.isDir) await pruneEmptyParents(s, t.target);
  }
  if (t.isDir) await fs.promises.mkdir(t.target, { recursive: true });
  await settleAll(todo, async (f) => {
    if (await placeFromCache(ctx, f)) return;
    // The cached copy was corrupt (and is gone now): fetch it once more, or say what to do.
    if (mode === 'checkout') throw notInCache(t, f.path, f.md5, false);
    await fetchIntoCache(ctx, f, progress());
    downloaded++;
    if (!(await placeFromCache(ctx, f))) {
      throw new DataError(
        'CHECKSUM_MISMATCH',
        `${f.path}: the copy of object ${f.md5} in ${CACHE_DIR} does not match its md5 twice in a row; check the disk`,
        { file: f.path },
      );
    }
  });
  const status = downloaded > 0 ? 'fetched' : todo.length > 0 || stray.length > 0 ? 'restored' : 'up-to-date';
  return { ...base, status, downloaded, written: todo.length, removed: stray.length };
}

function notInCache(t: Tracked, shown: string, md5: string, listing: boolean): DataError {
  return new DataError(
    'NOT_IN_CACHE',
    `${shown}: ${listing ? 'the folder listing' : 'object'} ${md5} of ${t.pointer} is not in the local cache (${CACHE_DIR}); run 'cellar data pull ${t.pointer}' to download it`,
    { file: shown },
  );
}

async function syncWorkspace(opts: DataSyncOptions, mode: 'pull' | 'checkout'): Promise<PullResult[]> {
  const startedAt = Date.now();
  const ctx = makeCtx(opts);
  const tracked = loadTracked(ctx.root, opts.pointers);
  const realRoot = await fs.promises.realpath(ctx.root);
  // Refuse every escape before any pointer is touched.
  for (const t of tracked) await assertInsideWorkspace(realRoot, t.pointer, t.path, t.target);
  await clearStaleTemps(
    ctx.root,
    tracked.filter((t) => !t.isDir).map((t) => t.target),
    startedAt,
  );
  try {
    return await settleAll(tracked, (t) => syncPointer(ctx, t, realRoot, mode));
  } finally {
    ctx.state.save();
  }
}

/** Brings the workspace to what the pointers say: from the local cache, downloading only what it lacks. */
export async function pullData(opts: DataSyncOptions): Promise<PullResult[]> {
  return syncWorkspace(opts, 'pull');
}

/** Like pull, from the local cache only: never opens the remote (NOT_IN_CACHE names what is lacking). */
export async function checkoutData(opts: DataSyncOptions): Promise<PullResult[]> {
  return syncWorkspace(opts, 'checkout');
}

/** A folder's listing for push and status: the cache, else the workspace folder when it still matches. */
async function treeForUpload(ctx: Ctx, t: Tracked, fromRemote: boolean): Promise<DirEntry[] | undefined> {
  const cached = await loadTree(ctx, t, false);
  if (cached) return cached.entries;
  const built = await buildTree(ctx, t.target);
  if (built && dirObjectMd5(built.entries) === t.out.md5) {
    await ctx.cache.insertBytes(t.out.md5, serializeDirObject(built.entries));
    return built.entries;
  }
  if (fromRemote && (await ctx.remote().remote.has(t.out.md5)))
    return (await loadTree(ctx, t, true))?.entries;
  return undefined;
}

/** Hashes a workspace folder into a listing; undefined when it is absent or holds other than regular files. */
async function buildTree(ctx: Ctx, dir: string): Promise<{ entries: DirEntry[]; size: number } | undefined> {
  const st = await fs.promises.stat(dir).catch(() => null);
  if (!st?.isDirectory()) return undefined;
  const found = await listFolder(dir);
  if (found.some((e) => e.kind !== 'file')) return undefined;
  let size = 0;
  const entries = await Promise.all(
    found.map(async (e) => {
      const bytes = (await fs.promises.stat(e.abs)).size; // read before adding: `size += await` races
      size += bytes;
      return { md5: await ctx.state.md5Of(e.abs, ctx.limit), relpath: e.relpath };
    }),
  );
  return { entries, size };
}

async function pushPointer(ctx: Ctx, t: Tracked): Promise<PushResult> {
  const base = {
    pointer: t.pointer,
    path: t.path,
    md5: t.out.md5,
    size: t.out.size,
    ...(t.isDir ? { nfiles: t.out.nfiles } : {}),
  };
  const { remote } = ctx.remote();
  const progress = progressFor(ctx, t);
  let entries: DirEntry[] | undefined;
  if (t.isDir) {
    if (await remote.has(t.out.md5)) {
      // Push uploads the listing last, so a listing in the remote means its files are there too.
      return { ...base, status: 'up-to-date', uploaded: 0 };
    }
    entries = await treeForUpload(ctx, t, false);
    if (!entries) {
      throw new DataError(
        'WORKSPACE_MISMATCH',
        `${t.path} no longer matches ${t.pointer} (md5 ${t.out.md5}) and the local cache lacks that version; run 'cellar data add ${t.path}' again before pushing`,
        { file: t.path },
      );
    }
  }
  const files = wantedFiles(t, entries);
  const unique = [...new Map(files.map((f) => [f.md5, f])).values()];
  const uploaded = await settleAll(unique, async (f): Promise<number> => {
    if (await ctx.limit(() => remote.has(f.md5))) return 0;
    // The workspace file when it matches, else the cache's copy (checked: a corrupt copy must not be uploaded).
    const ws = await inspectFile(ctx, f);
    let source: string | undefined = ws.state === 'in sync' ? f.target : undefined;
    if (
      !source &&
      (await ctx.cache.has(f.md5)) &&
      (await ctx.limit(() => md5File(ctx.cache.pathOf(f.md5)))) === f.md5
    ) {
      source = ctx.cache.pathOf(f.md5);
    }
    if (!source) {
      throw ws.state === 'missing'
        ? new DataError(
            'WORKSPACE_MISSING',
            `${f.path} is missing and its object ${f.md5} is in neither remote '${remote.name}' nor the local cache; restore the file, then run 'cellar data add ${t.path}'`,
            { file: f.path },
          )
        : new DataError(
            'WORKSPACE_MISMATCH',
            `${f.path} no longer matches ${t.pointer} (md5 ${f.md5}); run 'cellar data add ${t.path}' again before pushing`,
            { file: f.path },
          );
    }
    await ctx.limit(() => remote.put(f.md5, source!, progress()));
    return 1;
  });
  let count = uploaded.reduce((a, b) => a + b, 0);
  if (t.isDir) {
    await remote.put(t.out.md5, ctx.cache.pathOf(t.out.md5));
    count++;
  }
  return { ...base, status: count > 0 ? 'uploaded' : 'up-to-date', uploaded: count };
}

export async function pushData(opts: DataSyncOptions): Promise<PushResult[]> {
  const ctx = makeCtx(opts);
  const tracked = loadTracked(ctx.root, opts.pointers);
  ctx.remote();
  try {
    return await settleAll(tracked, (t) => pushPointer(ctx, t));
  } finally {
    ctx.state.save();
  }
}

async function statusOf(ctx: Ctx, t: Tracked): Promise<DataStatusEntry[]> {
  const { remote } = ctx.remote();
  const remoteState = async (md5: string, here: boolean): Promise<DataStatusEntry['remote']> =>
    (await ctx.limit(() => remote.has(md5)))
      ? 'in sync'
      : here || (await ctx.cache.has(md5))
        ? 'new'
        : 'missing';
  if (!t.isDir) {
    const ws = (await inspectFile(ctx, wantedFiles(t, undefined)[0])).state;
    return [
      {
        pointer: t.pointer,
        path: t.path,
        md5: t.out.md5,
        size: t.out.size,
        workspace: ws,
        remote: await remoteState(t.out.md5, ws === 'in sync'),
      },
    ];
  }
  const entries = await treeForUpload(ctx, t, true);
  const top = await fs.promises.stat(t.target).catch(() => null);
  const dirEntry: DataStatusEntry = {
    pointer: t.pointer,
    path: t.path,
    md5: t.out.md5,
    size: t.out.size,
    nfiles: t.out.nfiles ?? entries?.length,
    workspace: top === null ? 'missing' : 'modified',
    remote: await remoteState(t.out.md5, entries !== undefined),
  };
  if (!entries) return [dirEntry];
  const files = wantedFiles(t, entries);
  const rows = await Promise.all(
    files.map(async (f): Promise<DataStatusEntry> => {
      const ws = (await inspectFile(ctx, f)).state;
      const size = ws === 'missing' ? undefined : (await fs.promises.stat(f.target)).size;
      return {
        pointer: t.pointer,
        path: f.path,
        md5: f.md5,
        ...(size === undefined ? {} : { size }),
        workspace: ws,
        remote: await remoteState(f.md5, ws === 'in sync'),
      };
    }),
  );
  const listed = new Set(entries.map((e) => e.relpath));
  const untracked = top?.isDirectory()
    ? (await listFolder(t.target)).filter((e) => !listed.has(e.relpath)).map((e) => `${t.path}/${e.relpath}`)
    : [];
  if (top?.isDirectory() && untracked.length === 0 && rows.every((r) => r.workspace === 'in sync')) {
    dirEntry.workspace = 'in sync';
  }
  if (untracked.length > 0) dirEntry.untracked = untracked;
  return [dirEntry, ...rows];
}

export async function dataStatus(opts: DataSyncOptions): Promise<DataStatusReport> {
  const ctx = makeCtx(opts);
  const tracked = loadTracked(ctx.root, opts.pointers);
  const { resolved } = ctx.remote();
  let groups: DataStatusEntry[][];
  try {
    groups = await settleAll(tracked, (t) => statusOf(ctx, t));
  } finally {
    ctx.state.save();
  }
  return {
    remote: { name: resolved.name, url: resolved.url, kind: resolved.kind, source: resolved.source },
    files: groups.flat(),
  };
}

export interface AddDataOptions {
  root: string;
  /** The data file or folder, relative to root or absolute. */
  file: string;
  push?: boolean;
  remote?: string;
  env?: Record<string, string | undefined>;
  jobs?: number;
  onProgress?: (p: TransferProgress) => void;
}

export interface AddDataResult {
  pointer: string;
  path: string;
  md5: string;
  size: number;
  /** Folders only. */
  nfiles?: number;
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

/** Hashes a folder for `add`, refusing what a DVC folder output cannot hold or would not restore. */
async function addFolder(
  ctx: Ctx,
  abs: string,
  shown: string,
): Promise<{ entries: DirEntry[]; size: number }> {
  const found = await listFolder(abs);
  for (const e of found) {
    const where = `${shown}/${e.relpath}`;
    if (e.kind !== 'file') {
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: is ${e.kind === 'symlink' ? 'a symlink' : 'not a regular file'}; a tracked folder holds regular files only: replace it with a copy or move it out of ${shown}`,
        { file: where },
      );
    }
    const name = path.posix.basename(e.relpath);
    if (name === '.dvcignore') {
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: a .dvcignore file cannot be inside a tracked folder (DVC refuses it too); move it up to the workspace root`,
        { file: where },
      );
    }
    if (name.endsWith('.dvc')) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: is a pointer file inside the folder being added; track the folder or the files in it, not both`,
        { file: where },
      );
    }
  }
  let size = 0;
  const entries = await settleAll(found, async (e): Promise<DirEntry> => {
    const md5 = await ctx.state.md5Of(e.abs, ctx.limit);
    const bytes = (await fs.promises.stat(e.abs)).size; // read before adding: `size += await` races
    size += bytes;
    await ctx.limit(() => ctx.cache.insertFile(md5, e.abs));
    return { md5, relpath: e.relpath };
  });
  return { entries, size };
}

export async function addData(opts: AddDataOptions): Promise<AddDataResult> {
  const ctx = makeCtx({ root: opts.root, jobs: opts.jobs, env: opts.env, remote: opts.remote });
  const root = ctx.root;
  const abs = path.resolve(root, opts.file).replace(/[\\/]+$/, '');
  const shown = displayPathOf(root, abs);
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(abs);
  } catch {
    throw new DataError('FILE_NOT_FOUND', `${shown}: file not found; check the path`, { file: shown });
  }
  if (!st.isFile() && !st.isDirectory()) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: is not a regular file or folder; only files and folders can be tracked`,
      { file: shown },
    );
  }
  if (shown === abs.split(path.sep).join('/') || shown === '.' || shown === '') {
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
  const topName = shown.split('/')[0];
  if (st.isDirectory() && (topName === '.cellar' || topName === '.dvc' || topName === '.git')) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: is inside ${topName}/, which Cellar, DVC or git own; track a folder under data/`,
      { file: shown },
    );
  }
  const pointerFile = `${abs}.dvc`;
  let pointer: DataPointer;
  if (st.isDirectory()) {
    const { entries, size } = await addFolder(ctx, abs, shown);
    const md5 = dirObjectMd5(entries);
    await ctx.cache.insertBytes(md5, serializeDirObject(entries));
    pointer = { md5, size, nfiles: entries.length, path: path.basename(abs) };
  } else {
    const md5 = await ctx.state.md5Of(abs, ctx.limit);
    // In the cache, so a later checkout of another version can replace this one without --force.
    await ctx.cache.insertFile(md5, abs);
    pointer = { md5, size: st.size, path: path.basename(abs) };
  }
  ctx.state.save();
  writePointer(pointerFile, pointer);
  const gitignore = addToGitignore(path.dirname(abs), path.basename(abs));
  const result: AddDataResult = {
    pointer: displayPathOf(root, pointerFile),
    path: shown,
    md5: pointer.md5,
    size: pointer.size,
    ...(pointer.nfiles === undefined ? {} : { nfiles: pointer.nfiles }),
    gitignore: displayPathOf(root, gitignore),
    pushed: false,
  };
  if (opts.push) {
    await pushData({
      root,
      pointers: [result.pointer],
      remote: opts.remote,
      env: opts.env,
      jobs: opts.jobs,
      onProgress: opts.onProgress,
    });
    result.pushed = true;
  }
  return result;
}
