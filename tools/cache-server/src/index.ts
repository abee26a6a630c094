export { startCacheServer, HASH_PATTERN } from './server';
export type {
  CacheServer,
  CacheServerOptions,
  StorageSpec,
  LogRecord,
  RequestLogRecord,
  EventLogRecord,
} from './server';
export { CacheServerError } from './errors';
export { ArchiveValidator, findArchiveProblem } from './archive/archive-validator';
export { ArchiveRules } from './archive/entry-rules';
export type { EntryHeader } from './archive/entry-rules';
export { verifyEntry } from './verify-entry';
export type { Verdict } from './verify-entry';
export { purge } from './purge';
export type { PurgeRequest } from './purge';
export { createStorage } from './storage/create-storage';
export type { CacheServerErrorCode } from './errors';
export { DirectoryStorage } from './storage/dir-storage';
export { S3Storage } from './storage/s3-storage';
export type { S3StorageOptions } from './storage/s3-storage';
export { planEviction } from './storage/storage';
export type {
  CacheStorage,
  CacheEntry,
  CommitResult,
  EvictionPolicy,
  EvictionReport,
} from './storage/storage';
export {
  loadTokensFile,
  readTokensFromEnv,
  hashTokens,
  matchToken,
  readBearer,
  canWrite,
  canDelete,
} from './tokens';
export type { AccessToken, TokenAccess, TokenEntry } from './tokens';
export { parseCliArgs, parseStorageSpec, USAGE } from './cli';
export type { CliCommand } from './cli';
export { parseSize, parseDuration } from './units';
