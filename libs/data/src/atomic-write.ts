import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Temp name beside the target, so the final rename never crosses file systems. */
export function tempPathFor(file: string): string {
  return `${file}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/** Where pulls stage downloads: one folder, git-ignored, so a killed pull leaves nothing beside the data. */
export const WORKSPACE_TMP_DIR = '.cellar/tmp';
const STAGED_RE = /^(\d+)-[0-9a-f]{8}-/;
const BESIDE_RE = /\.tmp-(\d+)-[0-9a-f]{8}$/;

/**
 * A temporary file for `file` under <root>/.cellar/tmp; beside `file` only when that folder is on
 * another file system (a rename cannot cross one). `file`'s folder must exist.
 */
export async function stagingPathFor(root: string, file: string): Promise<string> {
  const dir = path.join(root, WORKSPACE_TMP_DIR);
  await fs.promises.mkdir(dir, { recursive: true });
  // Ignored by git in any workspace, whatever its own .gitignore says.
  await fs.promises.writeFile(path.join(dir, '.gitignore'), '*\n', { flag: 'wx' }).catch(() => undefined);
  const [staging, target] = await Promise.all([fs.promises.stat(dir), fs.promises.stat(path.dirname(file))]);
  if (staging.dev !== target.dev) return tempPathFor(file);
  return path.join(dir, `${process.pid}-${crypto.randomBytes(4).toString('hex')}-${path.basename(file)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files of earlier runs: in <root>/.cellar/tmp, and `<file>.tmp-<pid>-<hex>` beside
 * each of `files` (where they were kept before). Only files older than `startedAt` whose process is gone.
 */
export async function clearStaleTemps(root: string, files: string[], startedAt: number): Promise<string[]> {
  const candidates: { file: string; pid: number }[] = [];
  const scan = async (dir: string, match: (name: string) => RegExpExecArray | null): Promise<void> => {
    const names = await fs.promises.readdir(dir).catch(() => [] as string[]);
    for (const name of names) {
      const m = match(name);
      if (m) candidates.push({ file: path.join(dir, name), pid: Number(m[1]) });
    }
  };
  await scan(path.join(root, WORKSPACE_TMP_DIR), (name) => STAGED_RE.exec(name));
  for (const dir of new Set(files.map((f) => path.dirname(f)))) {
    const bases = new Set(files.filter((f) => path.dirname(f) === dir).map((f) => path.basename(f)));
    await scan(dir, (name) => {
      const m = BESIDE_RE.exec(name);
      return m && bases.has(name.slice(0, m.index)) ? m : null;
    });
  }
  const removed: string[] = [];
  for (const { file, pid } of candidates) {
    if (pid === process.pid || isAlive(pid)) continue;
    const st = await fs.promises.lstat(file).catch(() => null);
    if (!st?.isFile() || st.mtimeMs >= startedAt) continue;
    await fs.promises.rm(file, { force: true });
    removed.push(file);
  }
  return removed;
}

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = tempPathFor(file);
  try {
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Forward slashes, relative to root when inside it: what users see in messages. */
export function displayPathOf(root: string, file: string): string {
  const rel = path.relative(root, file);
  const shown = rel === '' || rel.startsWith('..') || path.isAbsolute(rel) ? file : rel;
  return shown.split(path.sep).join('/');
}
