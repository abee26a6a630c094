import { DirectoryStorage } from './dir-storage';
import type { S3StorageOptions } from './s3-storage';
import type { CacheStorage } from './storage';

export type StorageSpec = { kind: 'dir'; path: string } | ({ kind: 's3' } & S3StorageOptions);

export async function createStorage(spec: StorageSpec | CacheStorage | undefined): Promise<CacheStorage> {
  if (spec === undefined) return new DirectoryStorage('.cellar-cache');
  if ('kind' in spec) {
    if (spec.kind === 'dir') return new DirectoryStorage(spec.path);
    const { kind: _kind, ...s3 } = spec;
    // Loaded on demand: the AWS SDK costs startup time and memory that directory users never need.
    const { S3Storage } = await import('./s3-storage');
    return new S3Storage(s3);
  }
  return spec;
}
