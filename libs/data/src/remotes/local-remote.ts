import * as fs from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { tempPathFor } from '../atomic-write';
import { errorMessage } from '@cellar/config';
import { DataError } from '../data-error';
import { countingStream } from './progress-stream';
import { objectKey, type DataRemote, type ProgressFn } from './remote';

export class LocalRemote implements DataRemote {
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  private objectPath(md5: string): string {
    return path.join(this.url, ...objectKey(md5).split('/'));
  }

  /** A missing remote folder is a misconfiguration, not an empty remote: say so instead of "not in remote". */
  private async assertExists(): Promise<void> {
    const stat = await fs.promises.stat(this.url).catch(() => null);
    if (!stat?.isDirectory()) {
      throw new DataError(
        'REMOTE_NOT_FOUND',
        `remote '${this.name}' (${this.url}) does not exist: fix its url in .dvc/config or set CELLAR_DATA_REMOTE`,
      );
    }
  }

  async has(md5: string): Promise<boolean> {
    try {
      return (await fs.promises.stat(this.objectPath(md5))).isFile();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        await this.assertExists();
        return false;
      }
      throw this.failure('check', md5, err);
    }
  }

  async get(md5: string, destTmp: string, onProgress?: ProgressFn): Promise<void> {
    const src = this.objectPath(md5);
    try {
      await pipeline(fs.createReadStream(src), countingStream(onProgress), fs.createWriteStream(destTmp));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !fs.existsSync(src)) {
        await this.assertExists();
        throw new DataError(
          'OBJECT_NOT_FOUND',
          `object ${md5} is not in remote '${this.name}' (${this.url})`,
        );
      }
      throw this.failure('read', md5, err);
    }
  }

  async put(md5: string, srcFile: string, onProgress?: ProgressFn): Promise<void> {
    const dest = this.objectPath(md5);
    const tmp = tempPathFor(dest);
    try {
      await fs.promises.mkdir(path.dirname(dest), { recursive: true });
      await pipeline(
        fs.createReadStream(srcFile),
        countingStream(onProgress),
        fs.createWriteStream(tmp, { mode: 0o444 }),
      );
      await fs.promises.rename(tmp, dest);
    } catch (err) {
      await fs.promises.rm(tmp, { force: true });
      throw this.failure('write', md5, err);
    }
  }

  private failure(verb: string, md5: string, err: unknown): DataError {
    return new DataError(
      'REMOTE_FAILED',
      `cannot ${verb} object ${md5} in remote '${this.name}' (${this.url}): ${errorMessage(err)}`,
      {
        cause: err,
      },
    );
  }
}
