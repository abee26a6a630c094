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
export { loadTokensFile, readTokensFromEnv, hashTokens, matchToken, readBearer } from './tokens';
export type { AccessToken, TokenAccess, TokenEntry } from './tokens';
export { parseCliArgs, parseStorageSpec, USAGE } from './cli';
export type { CliCommand } from './cli';
export { parseSize, parseDuration } from './units';
