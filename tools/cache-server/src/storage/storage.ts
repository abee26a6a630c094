import type { Readable } from 'node:stream';

export interface CacheEntry {
  size: number;
  /** Hex sha256 recorded at upload; undefined for entries stored before checksums existed. */
  sha256: string | undefined;
  /** A fresh stream over the whole entry; may be called more than once (verify, then serve). */
  open(): Readable;
  /** The whole entry in one buffer (for small entries: one read instead of two passes). */
  readAll(): Promise<Buffer>;
  /** Frees what get() holds (a file descriptor, a local copy); call exactly once. */
  release(): void;
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
  /**
   * Bytes a spool file ends with, after the body, once the body's sha256 is known: a backend that
   * keeps the sum inside the entry (DirectoryStorage's footer). Without it, commit records the sum.
   */
  spoolTrailer?(sha256: string): Buffer;
  get(hash: string): Promise<CacheEntry | undefined>;
  has(hash: string): Promise<boolean>;
  /**
   * Publishes a fully written spool file under `hash` with its sha256 (undefined: none recorded);
   * `size` counts the body only, not a spoolTrailer. Always consumes (deletes) the spool file.
   */
  commit(hash: string, spoolFile: string, size: number, sha256: string | undefined): Promise<CommitResult>;
  /** Records the sha256 of an entry stored without one (verified lazily on first read). */
  recordChecksum(hash: string, sha256: string): Promise<void>;
  /** Moves an entry aside so it is no longer served and a new upload can take its place; returns where. */
  quarantine(hash: string): Promise<string | undefined>;
  /** Removes an entry and its checksum; false when there was none. */
  delete(hash: string): Promise<boolean>;
  /** Every stored hash (for `purge --invalid`). */
  list(): AsyncIterable<string>;
  /** Removes everything in quarantine; returns how many objects went. */
  emptyQuarantine(): Promise<number>;
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
