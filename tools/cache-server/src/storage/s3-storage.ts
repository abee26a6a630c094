import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type ListObjectsV2CommandOutput,
} from '@aws-sdk/client-s3';
import { CacheServerError } from '../errors';
import {
  planEviction,
  type CacheEntry,
  type CacheStorage,
  type CommitResult,
  type EvictionPolicy,
  type EvictionReport,
} from './storage';

export interface S3StorageOptions {
  bucket: string;
  /** Key prefix; a trailing `/` is added when missing. */
  prefix?: string;
  /** S3-compatible endpoint (MinIO, R2, s3rver...); default from AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL, else AWS. */
  endpoint?: string;
  /** Default AWS_REGION / AWS_DEFAULT_REGION, else us-east-1. */
  region?: string;
  /** Default: the SDK's chain (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Default: true when a custom endpoint is set (most S3 look-alikes need path-style URLs). */
  forcePathStyle?: boolean;
  /**
   * First-write-wins strategy. `if-none-match` sends `If-None-Match: *` on PutObject (AWS S3, MinIO,
   * R2: atomic). `head-then-put` checks first, which leaves a race window between HEAD and PUT.
   * `auto` (default) probes the target once at open() and picks the first one it honours.
   */
  conditionalWrites?: 'auto' | 'if-none-match' | 'head-then-put';
  /** Local folder for spooling uploads; default a fresh folder under os.tmpdir(). */
  spoolDir?: string;
}

function statusOf(err: unknown): number | undefined {
  return (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
}

/** An upload refused because the key exists: 412 PreconditionFailed, or 409 ConditionalRequestConflict during a race. */
function isPreconditionFailure(err: unknown): boolean {
  const status = statusOf(err);
  return status === 412 || status === 409;
}

/** Object metadata key (`x-amz-meta-cellar-sha256`) holding the entry's hex sha256. */
const SHA256_META = 'cellar-sha256';

/**
 * Objects live at `<prefix><hash>`, with their sha256 in the object's metadata. Uploads are spooled
 * to a local file first so the body limit is enforced before anything reaches the bucket and
 * PutObject gets an exact Content-Length. Reads are copied to a local file too, so the bytes can be
 * verified before the first one is served. Quarantined objects move to `<prefix>quarantine/`.
 */
export class S3Storage implements CacheStorage {
  readonly description: string;
  readonly evictAfterWrites = false;
  readonly client: S3Client;
  readonly bucket: string;
  readonly prefix: string;
  private mode: 'auto' | 'if-none-match' | 'head-then-put';
  private spoolDir: string | undefined;
  private ownsSpoolDir = false;
  private readonly commits = new Map<string, Promise<CommitResult>>();

  constructor(options: S3StorageOptions) {
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
    this.description = `s3://${this.bucket}/${this.prefix}`;
    this.mode = options.conditionalWrites ?? 'auto';
    this.spoolDir = options.spoolDir;
    const endpoint = options.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    this.client = new S3Client({
      endpoint,
      region: options.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      credentials: options.credentials,
      forcePathStyle: options.forcePathStyle ?? endpoint !== undefined,
      // Default flexible checksums use aws-chunked trailers that many S3 look-alikes reject.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  /** The strategy in use after open(): `if-none-match` or `head-then-put`. */
  get conditionalWrites(): 'auto' | 'if-none-match' | 'head-then-put' {
    return this.mode;
  }

  async open(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    } catch (err) {
      throw new CacheServerError(
        'STORAGE',
        `${this.description}: bucket not reachable (${statusOf(err) ?? (err as Error).name}); check the bucket name, endpoint and AWS credentials`,
        { key: this.bucket },
      );
    }
    if (this.spoolDir === undefined) {
      this.spoolDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cellar-cache-spool-'));
      this.ownsSpoolDir = true;
    } else {
      await fs.promises.mkdir(this.spoolDir, { recursive: true });
    }
    if (this.mode === 'auto')
      this.mode = (await this.probeConditionalWrites()) ? 'if-none-match' : 'head-then-put';
  }

  /** Writes a probe object twice with If-None-Match: * and sees whether the second write is refused. */
  private async probeConditionalWrites(): Promise<boolean> {
    const key = `${this.prefix}.cellar-probe-${randomBytes(8).toString('hex')}`;
    try {
      await this.client.send(
        new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'a', IfNoneMatch: '*' }),
      );
      try {
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: 'b', IfNoneMatch: '*' }),
        );
        return false;
      } catch (err) {
        if (isPreconditionFailure(err)) return true;
        throw err;
      }
    } finally {
      await this.client
        .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
        .catch(() => undefined);
    }
  }

  spoolPath(): string {
    if (this.spoolDir === undefined)
      throw new CacheServerError('STORAGE', `${this.description}: open() was not called`);
    return path.join(this.spoolDir, randomBytes(12).toString('hex'));
  }

  private key(hash: string): string {
    return `${this.prefix}${hash}`;
  }

  private get quarantinePrefix(): string {
    return `${this.prefix}quarantine/`;
  }

  async get(hash: string): Promise<CacheEntry | undefined> {
    let out;
    try {
      out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    const file = this.spoolPath();
    try {
      await pipeline(out.Body as Readable, fs.createWriteStream(file, { flags: 'wx' }));
    } catch (err) {
      await fs.promises.rm(file, { force: true });
      throw err;
    }
    const { size } = await fs.promises.stat(file);
    return {
      size,
      sha256: out.Metadata?.[SHA256_META],
      open: () => fs.createReadStream(file),
      readAll: () => fs.promises.readFile(file),
      release: () => void fs.promises.rm(file, { force: true }),
    };
  }

  async has(hash: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
      return true;
    } catch (err) {
      if (statusOf(err) === 404) return false;
      throw err;
    }
  }

  /**
   * Commits of one hash are serialised inside this process, so the HEAD-then-PUT race can only
   * happen between servers sharing the bucket.
   */
  async commit(
    hash: string,
    spoolFile: string,
    size: number,
    sha256: string | undefined,
  ): Promise<CommitResult> {
    const previous = this.commits.get(hash) ?? Promise.resolve();
    const current = previous.catch(() => undefined).then(() => this.commitNow(hash, spoolFile, size, sha256));
    this.commits.set(hash, current);
    try {
      return await current;
    } finally {
      if (this.commits.get(hash) === current) this.commits.delete(hash);
    }
  }

  private async commitNow(
    hash: string,
    spoolFile: string,
    size: number,
    sha256: string | undefined,
  ): Promise<CommitResult> {
    try {
      const put = (ifNoneMatch?: string) =>
        this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: this.key(hash),
            Body: fs.createReadStream(spoolFile),
            ContentLength: size,
            ContentType: 'application/octet-stream',
            Metadata: sha256 === undefined ? undefined : { [SHA256_META]: sha256 },
            IfNoneMatch: ifNoneMatch,
          }),
        );
      if (this.mode === 'if-none-match') {
        try {
          await put('*');
          return 'created';
        } catch (err) {
          if (isPreconditionFailure(err)) return 'exists';
          throw err;
        }
      }
      // Fallback for targets without conditional writes: two servers racing between HEAD and PUT
      // can both upload; the later object replaces the earlier one. Same hash means same task
      // inputs, so this only matters if a writer is malicious - which write tokens must rule out.
      if (await this.has(hash)) return 'exists';
      await put();
      return 'created';
    } finally {
      await fs.promises.rm(spoolFile, { force: true });
    }
  }

  private copySource(key: string): string {
    return `${this.bucket}/${encodeURI(key)}`;
  }

  /** Copies the object onto itself with the sha256 in its metadata (S3 cannot edit metadata in place). */
  async recordChecksum(hash: string, sha256: string): Promise<void> {
    await this.client.send(
      new CopyObjectCommand({
        Bucket: this.bucket,
        Key: this.key(hash),
        CopySource: this.copySource(this.key(hash)),
        Metadata: { [SHA256_META]: sha256 },
        MetadataDirective: 'REPLACE',
        ContentType: 'application/octet-stream',
      }),
    );
  }

  async quarantine(hash: string): Promise<string | undefined> {
    const target = `${this.quarantinePrefix}${hash}.${Date.now()}`;
    try {
      await this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: target,
          CopySource: this.copySource(this.key(hash)),
        }),
      );
    } catch (err) {
      // Moved by a concurrent request already.
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
    return target;
  }

  async delete(hash: string): Promise<boolean> {
    if (!(await this.has(hash))) return false;
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(hash) }));
    return true;
  }

  /** Keys directly under `prefix` (no further `/`), as [key, object] pairs, all pages. */
  private async *listKeys(prefix: string) {
    let token: string | undefined;
    do {
      const page: ListObjectsV2CommandOutput = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }),
      );
      for (const obj of page.Contents ?? []) {
        if (obj.Key && !obj.Key.slice(prefix.length).includes('/')) yield { key: obj.Key, obj };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async *list(): AsyncIterable<string> {
    for await (const { key } of this.listKeys(this.prefix)) {
      const hash = key.slice(this.prefix.length);
      if (/^[A-Za-z0-9]{1,128}$/.test(hash)) yield hash;
    }
  }

  async emptyQuarantine(): Promise<number> {
    let removed = 0;
    for await (const { key } of this.listKeys(this.quarantinePrefix)) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      removed++;
    }
    return removed;
  }

  async evict(policy: EvictionPolicy, now = Date.now()): Promise<EvictionReport> {
    const entries: { key: string; size: number; lastUsedMs: number }[] = [];
    for await (const { key, obj } of this.listKeys(this.prefix)) {
      // S3 has no access time: "last used" is the upload time here.
      entries.push({ key, size: obj.Size ?? 0, lastUsedMs: obj.LastModified?.getTime() ?? now });
    }
    const { remove, keep } = planEviction(entries, policy, now);
    let removedBytes = 0;
    for (const entry of remove) {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: entry.key }));
      removedBytes += entry.size;
    }
    return {
      removed: remove.length,
      removedBytes,
      keptEntries: keep.length,
      keptBytes: keep.reduce((sum, e) => sum + e.size, 0),
    };
  }

  async close(): Promise<void> {
    if (this.ownsSpoolDir && this.spoolDir)
      await fs.promises.rm(this.spoolDir, { recursive: true, force: true });
    this.client.destroy();
  }
}
