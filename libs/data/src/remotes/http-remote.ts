import * as fs from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { errorMessage } from '@cellar/config';
import { DataError } from '../data-error';
import { countingStream } from './progress-stream';
import { objectKey, type DataRemote, type ProgressFn } from './remote';

/** Read-only remote over plain HTTP(S), e.g. a static file server in front of a DVC remote folder. */
export class HttpRemote implements DataRemote {
  constructor(
    readonly name: string,
    readonly url: string,
  ) {}

  private objectUrl(md5: string): string {
    return `${this.url}/${objectKey(md5)}`;
  }

  private async request(method: 'GET' | 'HEAD', md5: string): Promise<Response> {
    try {
      return await fetch(this.objectUrl(md5), { method, redirect: 'follow' });
    } catch (err) {
      const cause = (err as { cause?: unknown }).cause;
      throw new DataError(
        'REMOTE_FAILED',
        `cannot reach remote '${this.name}' (${this.url}): ${errorMessage(cause ?? err)}; check the URL and network`,
        { cause: err },
      );
    }
  }

  private statusError(md5: string, status: number): DataError {
    return new DataError(
      'REMOTE_FAILED',
      `remote '${this.name}' answered HTTP ${status} for object ${md5} (${this.objectUrl(md5)})`,
    );
  }

  async has(md5: string): Promise<boolean> {
    const res = await this.request('HEAD', md5);
    if (res.ok) return true;
    if (res.status === 404 || res.status === 410) return false;
    throw this.statusError(md5, res.status);
  }

  async get(md5: string, destTmp: string, onProgress?: ProgressFn): Promise<void> {
    const res = await this.request('GET', md5);
    if (res.status === 404 || res.status === 410) {
      await res.body?.cancel();
      throw new DataError('OBJECT_NOT_FOUND', `object ${md5} is not in remote '${this.name}' (${this.url})`);
    }
    if (!res.ok || !res.body) {
      await res.body?.cancel();
      throw this.statusError(md5, res.status);
    }
    try {
      await pipeline(
        Readable.fromWeb(res.body as unknown as NodeReadableStream<Uint8Array>),
        countingStream(onProgress),
        fs.createWriteStream(destTmp),
      );
    } catch (err) {
      throw new DataError(
        'TRANSFER_FAILED',
        `download of object ${md5} from remote '${this.name}' failed: ${errorMessage(err)}; retry`,
        {
          cause: err,
        },
      );
    }
  }

  async put(md5: string): Promise<void> {
    throw new DataError(
      'READ_ONLY_REMOTE',
      `remote '${this.name}' (${this.url}) is a read-only remote (http); push object ${md5} to a local or s3:// remote instead`,
    );
  }
}
