import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { errorMessage } from '@cellar/config';
import { DataError } from '../data-error';
import { countingStream } from './progress-stream';
import { objectKey, type DataRemote, type ProgressFn } from './remote';

export interface S3RemoteOptions {
  endpoint?: string;
  region?: string;
  /** Default: the SDK's own chain (AWS_* env vars of this process, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** `s3://bucket/prefix`; endpoint from CELLAR_S3_ENDPOINT / AWS_ENDPOINT_URL (path-style then), credentials from the AWS env vars. */
type S3Sdk = typeof import('@aws-sdk/client-s3');

/** The SDK costs ~140 ms to load: only S3 users pay for it. */
let sdkPromise: Promise<S3Sdk> | undefined;
function loadSdk(): Promise<S3Sdk> {
  return (sdkPromise ??= import('@aws-sdk/client-s3'));
}

function httpStatus(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } } | null)?.$metadata?.httpStatusCode;
}

export class S3Remote implements DataRemote {
  private clientPromise: Promise<S3Client> | undefined;
  private readonly bucket: string;
  private readonly prefix: string;

  constructor(
    readonly name: string,
    readonly url: string,
    private readonly opts: S3RemoteOptions = {},
  ) {
    const m = /^s3:\/\/([^/]+)\/?(.*)$/i.exec(url);
    if (!m)
      throw new DataError(
        'UNSUPPORTED_REMOTE',
        `remote '${name}': '${url}' is not an s3://bucket/prefix URL`,
      );
    this.bucket = m[1];
    this.prefix = m[2].replace(/\/+$/, '');
  }

  private client(): Promise<S3Client> {
    return (this.clientPromise ??= loadSdk().then(
      ({ S3Client }) =>
        new S3Client({
          region: this.opts.region ?? 'us-east-1',
          ...(this.opts.endpoint ? { endpoint: this.opts.endpoint, forcePathStyle: true } : {}),
          ...(this.opts.credentials ? { credentials: this.opts.credentials } : {}),
          // S3-compatible stores (MinIO, s3rver, ...) often reject the SDK's default CRC32 trailers.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
    ));
  }

  private key(md5: string): string {
    return this.prefix ? `${this.prefix}/${objectKey(md5)}` : objectKey(md5);
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

  async has(md5: string): Promise<boolean> {
    const { HeadObjectCommand } = await loadSdk();
    try {
      await (await this.client()).send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(md5) }));
      return true;
    } catch (err) {
      if (httpStatus(err) === 404) return false;
      throw this.failure('check', md5, err);
    }
  }

  async get(md5: string, destTmp: string, onProgress?: ProgressFn): Promise<void> {
    const { GetObjectCommand } = await loadSdk();
    let body: Readable;
    try {
      const res = await (
        await this.client()
      ).send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(md5) }));
      body = res.Body as Readable;
    } catch (err) {
      if ((err as Error).name === 'NoSuchBucket') {
        throw new DataError(
          'REMOTE_FAILED',
          `remote '${this.name}' (${this.url}): bucket '${this.bucket}' does not exist; create it or fix the URL`,
          { cause: err },
        );
      }
      if (httpStatus(err) === 404) {
        throw new DataError(
          'OBJECT_NOT_FOUND',
          `object ${md5} is not in remote '${this.name}' (${this.url})`,
        );
      }
      throw this.failure('read', md5, err);
    }
    try {
      await pipeline(body, countingStream(onProgress), fs.createWriteStream(destTmp));
    } catch (err) {
      throw this.failure('read', md5, err);
    }
  }

  async put(md5: string, srcFile: string, onProgress?: ProgressFn): Promise<void> {
    const { PutObjectCommand } = await loadSdk();
    try {
      const size = (await fs.promises.stat(srcFile)).size;
      // S3 verifies Content-MD5, so a file changed mid-upload is rejected, not stored (s3rver does not check it).
      await (
        await this.client()
      ).send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: this.key(md5),
          Body: fs.createReadStream(srcFile).pipe(countingStream(onProgress)),
          ContentLength: size,
          ContentMD5: Buffer.from(md5, 'hex').toString('base64'),
        }),
      );
    } catch (err) {
      throw this.failure('write', md5, err);
    }
  }
}
