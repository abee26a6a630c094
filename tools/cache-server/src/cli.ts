import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CacheServerError } from './errors';
import type { PurgeRequest } from './purge';
import { HASH_PATTERN, type CacheServerOptions, type StorageSpec } from './server';
import { loadTokensFile, readTokensFromEnv, type AccessToken } from './tokens';
import { parseDuration, parseSize } from './units';

export const USAGE = `Usage: cellar-cache-server [options]
       cellar-cache-server purge [--storage <spec>] [--invalid] [--quarantine] [<hash>...]

Nx self-hosted remote cache (NX_SELF_HOSTED_REMOTE_CACHE_SERVER). Entries are immutable: first write wins.
Uploads must be gzipped tars that stay inside the workspace; each entry's sha256 is checked on every read.

  --host <addr>          listen address (default 127.0.0.1)
  --port <n>             listen port (default 3333; 0 = any free port)
  --storage <spec>       dir:<path> (default dir:.cellar-cache) or s3://<bucket>/<prefix>
                         (S3 endpoint/credentials from AWS_ENDPOINT_URL_S3, AWS_REGION, AWS_ACCESS_KEY_ID...)
  --tokens <file>        YAML/JSON { tokens: [{ name, token, access: read | read-write | admin }] }
                         (also CELLAR_CACHE_READ_TOKENS / _WRITE_TOKENS / _ADMIN_TOKENS: name:token,...)
  --max-body <size>      largest upload (default 512MiB)
  --max-size <size>      total size kept, least recently used evicted first (default 10GiB)
  --max-age <duration>   evict entries unused for this long (default 30d)
  --request-timeout <d>  time to receive a whole request, body included (default 10m)
  --max-connections <n>  connections beyond this are closed at once (default 512)
  --insecure-no-auth     no tokens: anyone may read and write (private networks only)
  --verbose              stack traces on errors
  -h, --help             this text

purge works on the storage directly, with or without a server running:
  <hash>...              remove these entries
  --invalid              verify every entry; move those that fail to quarantine
  --quarantine           empty the quarantine (after --invalid when both are given)`;

export interface CliCommand {
  help: boolean;
  verbose: boolean;
  options: CacheServerOptions;
  /** Set for `cellar-cache-server purge ...`: run that instead of serving. */
  purge?: PurgeRequest;
}

/** `dir:<path>` | `s3://bucket/prefix` | a bare path (taken as a directory). */
export function parseStorageSpec(text: string, cwd = process.cwd()): StorageSpec {
  if (text.startsWith('s3://')) {
    const rest = text.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new CacheServerError(
        'BAD_OPTION',
        `--storage: '${bucket}' is not a valid S3 bucket name (s3://<bucket>/<prefix>)`,
        {
          key: 'storage',
        },
      );
    }
    return { kind: 's3', bucket, prefix };
  }
  const dir = text.startsWith('dir:') ? text.slice('dir:'.length) : text;
  if (dir.length === 0)
    throw new CacheServerError('BAD_OPTION', "--storage: 'dir:' needs a path, e.g. dir:.cellar-cache", {
      key: 'storage',
    });
  return { kind: 'dir', path: path.resolve(cwd, dir) };
}

function parsePurgeArgs(argv: readonly string[], cwd: string): CliCommand {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: true,
      options: {
        storage: { type: 'string' },
        invalid: { type: 'boolean' },
        quarantine: { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new CacheServerError('BAD_OPTION', `purge: ${(err as Error).message.split('\n')[0]}; see --help`);
  }
  const { values, positionals } = parsed;
  for (const hash of positionals) {
    if (!HASH_PATTERN.test(hash))
      throw new CacheServerError(
        'BAD_OPTION',
        `purge: '${hash}' is not a cache hash (1-128 letters or digits)`,
      );
  }
  const purge = {
    hashes: positionals,
    invalid: values.invalid ?? false,
    quarantine: values.quarantine ?? false,
  };
  const help = values.help ?? false;
  if (!help && purge.hashes.length === 0 && !purge.invalid && !purge.quarantine) {
    throw new CacheServerError(
      'BAD_OPTION',
      'purge: name the entries to remove, or pass --invalid or --quarantine; see --help',
    );
  }
  return {
    help,
    verbose: values.verbose ?? false,
    options: { storage: parseStorageSpec(values.storage ?? 'dir:.cellar-cache', cwd) },
    purge,
  };
}

function parseCount(text: string, key: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1)
    throw new CacheServerError('BAD_OPTION', `${key} must be a positive integer (got '${text}')`, { key });
  return n;
}

export function parseCliArgs(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd = process.cwd(),
): CliCommand {
  if (argv[0] === 'purge') return parsePurgeArgs(argv.slice(1), cwd);
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        storage: { type: 'string' },
        tokens: { type: 'string' },
        'max-body': { type: 'string' },
        'max-size': { type: 'string' },
        'max-age': { type: 'string' },
        'request-timeout': { type: 'string' },
        'max-connections': { type: 'string' },
        // Benchmarks only: serve as before issue 8 (no validation, no checksums) to measure the cost.
        'bench-unverified': { type: 'boolean' },
        'insecure-no-auth': { type: 'boolean' },
        verbose: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new CacheServerError('BAD_OPTION', `${(err as Error).message.split('\n')[0]}; see --help`);
  }
  let port = 3333;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      throw new CacheServerError('BAD_OPTION', `--port must be an integer 0-65535 (got '${values.port}')`, {
        key: 'port',
      });
    }
  }
  const tokens: AccessToken[] = [];
  if (values.tokens !== undefined) tokens.push(...loadTokensFile(path.resolve(cwd, values.tokens)));
  tokens.push(...readTokensFromEnv(env));
  return {
    help: values.help ?? false,
    verbose: values.verbose ?? false,
    options: {
      host: values.host ?? '127.0.0.1',
      port,
      storage: parseStorageSpec(values.storage ?? 'dir:.cellar-cache', cwd),
      tokens,
      insecureNoAuth: values['insecure-no-auth'] ?? false,
      maxBodyBytes: parseSize(values['max-body'] ?? '512MiB', '--max-body'),
      maxSizeBytes: parseSize(values['max-size'] ?? '10GiB', '--max-size'),
      maxAgeMs: parseDuration(values['max-age'] ?? '30d', '--max-age'),
      requestTimeoutMs: parseDuration(values['request-timeout'] ?? '10m', '--request-timeout'),
      maxConnections: parseCount(values['max-connections'] ?? '512', '--max-connections'),
      verify: !(values['bench-unverified'] ?? false),
    },
  };
}
