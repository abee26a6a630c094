import type { Readable } from 'node:stream';

export interface CacheEntry {
  body: Readable;
  size: number;
}

/** `exists` means another upload of the same hash won: first write wins, the stored entry is untouched. */
export type CommitResult = 'created' | 'exists';

export interface EvictionPolicy {
  /** Total bytes kept; the least recently used entries go first. */
  maxSizeBytes?: number;
  /** Entries not used (written or read) for longer than this are removed. */
  maxAgeMs?: number;
}

export interface EvictionReport {
  removed: number;
  removedBytes: number;
  keptEntries: number;
  keptBytes: number;
}

/** One storage backend; every method must be safe under concurrent calls from several servers. */
export interface CacheStorage {
  /** Shown in the startup log, e.g. `dir:/srv/cache` or `s3://bucket/prefix/`. */
  readonly description: string;
  /** Whether eviction is cheap enough to run after every write (a directory scan is; an S3 listing is not). */
  readonly evictAfterWrites: boolean;
  /** Prepares the backend; called once before serving. */
  open(): Promise<void>;
  /** A fresh local path to spool an upload to before `commit` (never visible to readers). */
  spoolPath(): string;
  get(hash: string): Promise<CacheEntry | undefined>;
  has(hash: string): Promise<boolean>;
  /** Publishes a fully written spool file under `hash`; always consumes (deletes) the spool file. */
  commit(hash: string, spoolFile: string, size: number): Promise<CommitResult>;
  evict(policy: EvictionPolicy, now?: number): Promise<EvictionReport>;
  close(): Promise<void>;
}

/** Picks what to remove: expired entries, then least recently used ones until the total fits. */
export function planEviction<T extends { size: number; lastUsedMs: number }>(
  entries: readonly T[],
  policy: EvictionPolicy,
  now: number,
): { remove: T[]; keep: T[] } {
  const remove: T[] = [];
  let keep: T[] = [];
  for (const entry of entries) {
    if (policy.maxAgeMs !== undefined && now - entry.lastUsedMs > policy.maxAgeMs) remove.push(entry);
    else keep.push(entry);
  }
  if (policy.maxSizeBytes !== undefined) {
    keep = [...keep].sort((a, b) => a.lastUsedMs - b.lastUsedMs);
    let total = keep.reduce((sum, e) => sum + e.size, 0);
    while (total > policy.maxSizeBytes && keep.length > 0) {
      const oldest = keep.shift() as T;
      total -= oldest.size;
      remove.push(oldest);
    }
  }
  return { remove, keep };
}
