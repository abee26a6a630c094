import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempPathFor } from './atomic-write';
import { objectKey } from './remotes/remote';

/** The workspace's content cache, laid out like a DVC 3 cache or remote: `files/md5/<2 hex>/<rest>`. */
export const CACHE_DIR = '.cellar/cache';

/**
 * Every object a pull downloaded or an add hashed, so checking out a version seen before reads no
 * remote. Objects are written once (temp + rename) and kept read-only, as DVC keeps its cache.
 */
export class LocalCache {
  readonly dir: string;

  constructor(root: string) {
    this.dir = path.join(root, CACHE_DIR);
  }

  pathOf(md5: string): string {
    return path.join(this.dir, ...objectKey(md5).split('/'));
  }

  async has(md5: string): Promise<boolean> {
    const st = await fs.promises.stat(this.pathOf(md5)).catch(() => null);
    return st?.isFile() ?? false;
  }

  private async place(md5: string, write: (tmp: string) => Promise<void>): Promise<void> {
    const dest = this.pathOf(md5);
    await fs.promises.mkdir(path.dirname(dest), { recursive: true });
    // Ignored by git in any workspace, whatever its own .gitignore says.
    await fs.promises
      .writeFile(path.join(this.dir, '.gitignore'), '*\n', { flag: 'wx' })
      .catch(() => undefined);
    const tmp = tempPathFor(dest);
    try {
      await write(tmp);
      await fs.promises.chmod(tmp, 0o444);
      await fs.promises.rename(tmp, dest);
    } finally {
      await fs.promises.rm(tmp, { force: true });
    }
  }

  /** Copies a file whose md5 the caller has verified (a reflink where the file system has them). */
  async insertFile(md5: string, src: string): Promise<void> {
    if (await this.has(md5)) return;
    await this.place(md5, (tmp) => fs.promises.copyFile(src, tmp, fs.constants.COPYFILE_FICLONE));
  }

  /** Moves a verified download in (same file system: `src` is staged under <root>/.cellar). */
  async insertMoving(md5: string, src: string): Promise<void> {
    if (await this.has(md5)) return;
    await this.place(md5, async (tmp) => {
      try {
        await fs.promises.rename(src, tmp);
      } catch {
        await fs.promises.copyFile(src, tmp, fs.constants.COPYFILE_FICLONE);
      }
    });
  }

  async insertBytes(md5: string, data: Buffer): Promise<void> {
    if (await this.has(md5)) return;
    await this.place(md5, (tmp) => fs.promises.writeFile(tmp, data));
  }

  async read(md5: string): Promise<Buffer> {
    return fs.promises.readFile(this.pathOf(md5));
  }

  /** Drops an object found corrupt, so the next pull downloads it again. */
  async remove(md5: string): Promise<void> {
    await fs.promises.rm(this.pathOf(md5), { force: true });
  }
}
