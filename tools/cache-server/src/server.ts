import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { CacheServerError } from './errors';
import { DirectoryStorage } from './storage/dir-storage';
import type { S3StorageOptions } from './storage/s3-storage';
import type { CacheStorage, EvictionReport } from './storage/storage';
import {
  hashTokens,
  matchToken,
  readBearer,
  type AccessToken,
  type TokenAccess,
  type TokenEntry,
} from './tokens';

export const HASH_PATTERN = /^[A-Za-z0-9]{1,128}$/;

export type StorageSpec = { kind: 'dir'; path: string } | ({ kind: 's3' } & S3StorageOptions);

export interface CacheServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 3333; 0 picks a free port. */
  port?: number;
  /** A spec, or a ready backend; default `{ kind: 'dir', path: '.cellar-cache' }`. */
  storage?: StorageSpec | CacheStorage;
  tokens?: readonly AccessToken[];
  /** Serve everyone read-write without tokens. Only for a private network. */
  insecureNoAuth?: boolean;
  /** Largest accepted upload; default 512 MiB. */
  maxBodyBytes?: number;
  /** Total bytes kept by eviction; default 10 GiB. */
  maxSizeBytes?: number;
  /** Entries unused for longer than this are evicted; default 30 days. */
  maxAgeMs?: number;
  /** Period of the background eviction; default 10 minutes; 0 turns it off. */
  evictionIntervalMs?: number;
  /** Receives one record per request and per server event; default: JSON lines on stdout; false: silent. */
  log?: false | ((record: LogRecord) => void);
}

export interface RequestLogRecord {
  time: string;
  method: string;
  path: string;
  /** First 8 characters of the hash only. */
  hash?: string;
  status: number;
  bytes: number;
  ms: number;
  /** The token's name, never the token. */
  token?: string;
  aborted?: boolean;
  error?: string;
}

export interface EventLogRecord {
  time: string;
  event: 'listening' | 'evicted' | 'eviction-failed' | 'closed';
  [field: string]: unknown;
}

export type LogRecord = RequestLogRecord | EventLogRecord;

export interface CacheServer {
  url: string;
  port: number;
  storage: CacheStorage;
  /** Runs eviction now (also coalesces with a run in progress). */
  evict(): Promise<EvictionReport | undefined>;
  close(): Promise<void>;
}

const DEFAULTS = {
  host: '127.0.0.1',
  port: 3333,
  maxBodyBytes: 512 * 1024 ** 2,
  maxSizeBytes: 10 * 1024 ** 3,
  maxAgeMs: 30 * 86_400_000,
  evictionIntervalMs: 10 * 60_000,
};

/** If a client keeps sending after a 413, its connection is cut after this long. */
const DRAIN_AFTER_REJECT_MS = 2000;

/** How long close() lets in-flight responses finish before cutting them. */
const CLOSE_GRACE_MS = 10_000;

interface Principal {
  name: string;
  access: TokenAccess;
}

async function createStorage(spec: StorageSpec | CacheStorage | undefined): Promise<CacheStorage> {
  if (spec === undefined) return new DirectoryStorage('.cellar-cache');
  if ('kind' in spec) {
    if (spec.kind === 'dir') return new DirectoryStorage(spec.path);
    const { kind: _kind, ...s3 } = spec;
    // Loaded on demand: the AWS SDK costs startup time and memory that directory users never need.
    const { S3Storage } = await import('./storage/s3-storage');
    return new S3Storage(s3);
  }
  return spec;
}

function writeJsonLine(record: LogRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
}

class RequestAbortedError extends CacheServerError {
  constructor() {
    super('UPLOAD_ABORTED', 'client closed the connection before the upload finished');
  }
}

/**
 * Streams the request body to `file`, failing as soon as more than `maxBytes` arrived. Unlike
 * stream.pipeline it does not destroy the request on failure, so a 413 can still be answered.
 */
function spoolBody(req: http.IncomingMessage, file: string, maxBytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const out = fs.createWriteStream(file, { flags: 'wx' });
    let bytes = 0;
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      req.off('data', onData);
      req.unpipe(out);
      out.destroy();
      // Wait for the fd to close so the caller can unlink the file for good.
      if (out.closed) reject(err);
      else out.once('close', () => reject(err));
    };
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > maxBytes) {
        fail(
          new CacheServerError('BODY_TOO_LARGE', `upload exceeds the ${maxBytes}-byte limit (--max-body)`),
        );
      }
    };
    req.on('data', onData);
    req.on('close', () => {
      if (!req.complete) fail(new RequestAbortedError());
    });
    req.on('error', () => fail(new RequestAbortedError()));
    out.on('error', fail);
    out.on('finish', () => {
      if (settled) return;
      if (!req.complete) return fail(new RequestAbortedError());
      settled = true;
      out.once('close', () => resolve(bytes));
    });
    req.pipe(out);
  });
}

export async function startCacheServer(options: CacheServerOptions = {}): Promise<CacheServer> {
  const tokens = options.tokens ?? [];
  if (options.insecureNoAuth && tokens.length > 0) {
    throw new CacheServerError(
      'BAD_OPTION',
      'both tokens and --insecure-no-auth given; drop --insecure-no-auth to require tokens, or drop the tokens',
    );
  }
  if (!options.insecureNoAuth && tokens.length === 0) {
    throw new CacheServerError(
      'NO_TOKENS',
      'no access tokens configured; pass --tokens <file>, set CELLAR_CACHE_READ_TOKENS / CELLAR_CACHE_WRITE_TOKENS, or start with --insecure-no-auth on a private network',
    );
  }
  const entries: TokenEntry[] = hashTokens(tokens);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULTS.maxBodyBytes;
  const policy = {
    maxSizeBytes: options.maxSizeBytes ?? DEFAULTS.maxSizeBytes,
    maxAgeMs: options.maxAgeMs ?? DEFAULTS.maxAgeMs,
  };
  const log = options.log === false ? () => undefined : (options.log ?? writeJsonLine);
  const storage = await createStorage(options.storage);
  await storage.open();

  // Eviction runs one at a time; calls made during a run share a single follow-up run.
  let chain: Promise<EvictionReport | undefined> = Promise.resolve(undefined);
  let queued: Promise<EvictionReport | undefined> | undefined;
  // Bytes stored as of the last eviction plus what this server wrote since; lets writes skip the scan
  // while clearly under --max-size. Other servers on a shared volume are caught by the periodic run.
  let estimatedBytes: number | undefined;
  const runEviction = async (): Promise<EvictionReport | undefined> => {
    queued = undefined;
    try {
      const report = await storage.evict(policy);
      estimatedBytes = report.keptBytes;
      if (report.removed > 0) log({ time: new Date().toISOString(), event: 'evicted', ...report });
      return report;
    } catch (err) {
      log({ time: new Date().toISOString(), event: 'eviction-failed', error: (err as Error).message });
      return undefined;
    }
  };
  const evict = (): Promise<EvictionReport | undefined> => {
    if (!queued) {
      queued = chain.then(runEviction);
      chain = queued;
    }
    return queued;
  };

  const authenticate = (req: http.IncomingMessage): Principal | undefined => {
    if (options.insecureNoAuth) return { name: 'anonymous', access: 'read-write' };
    const presented = readBearer(req.headers.authorization);
    return presented === undefined ? undefined : matchToken(entries, presented);
  };

  const handle = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    record: RequestLogRecord,
  ): Promise<void> => {
    const reply = (status: number, body: unknown, headers: http.OutgoingHttpHeaders = {}) => {
      const text = JSON.stringify(body);
      res.writeHead(status, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(text),
        ...headers,
      });
      res.end(text);
    };
    // Answer before the body is read, then drain briefly so the client can read the answer (closing
    // on unread data sends a RST that can swallow it), then cut the connection.
    const rejectUpload = (status: number, message: string) => {
      reply(status, { error: message }, { Connection: 'close' });
      req.resume();
      setTimeout(() => req.socket.destroy(), DRAIN_AFTER_REJECT_MS).unref();
    };
    const urlPath = (req.url ?? '/').split('?')[0];
    if (urlPath === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return reply(405, { error: 'use GET' }, { Allow: 'GET' });
      return reply(200, { ok: true });
    }
    if (!urlPath.startsWith('/v1/cache/')) return reply(404, { error: `no route ${urlPath}` });
    if (req.method !== 'GET' && req.method !== 'PUT')
      return reply(405, { error: 'use GET or PUT' }, { Allow: 'GET, PUT' });

    const hash = urlPath.slice('/v1/cache/'.length);
    record.hash = hash.slice(0, 8);
    const principal = authenticate(req);
    if (!principal) {
      const message = 'missing or unknown bearer token; set NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN';
      return req.method === 'PUT'
        ? rejectUpload(401, message)
        : reply(401, { error: message }, { 'WWW-Authenticate': 'Bearer' });
    }
    record.token = principal.name;
    if (req.method === 'PUT' && principal.access !== 'read-write') {
      return rejectUpload(403, `token '${principal.name}' is read-only`);
    }
    if (!HASH_PATTERN.test(hash)) {
      const message = 'hash must be 1-128 letters or digits';
      return req.method === 'PUT' ? rejectUpload(400, message) : reply(400, { error: message });
    }

    if (req.method === 'GET') {
      let entry;
      try {
        entry = await storage.get(hash);
      } catch (err) {
        // Nx aborts the whole run on a 5xx GET; a storage hiccup should cost a cache miss, not CI.
        record.error = (err as Error).message.split('\n')[0];
        return reply(404, { error: 'miss (storage error, see server log)' });
      }
      if (!entry) return reply(404, { error: 'miss' });
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': entry.size });
      record.bytes = entry.size;
      try {
        await pipeline(entry.body, res);
      } catch {
        record.aborted = true;
      }
      return;
    }

    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > maxBodyBytes) {
      return rejectUpload(413, `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    // Cheap early answer; the commit below is what really decides who wins.
    if (await storage.has(hash)) return rejectUpload(409, 'entry exists; cache entries are immutable');

    const spool = storage.spoolPath();
    let size: number;
    try {
      size = await spoolBody(req, spool, maxBodyBytes);
    } catch (err) {
      await fs.promises.rm(spool, { force: true });
      if (err instanceof CacheServerError && err.code === 'BODY_TOO_LARGE')
        return rejectUpload(413, err.message);
      if (err instanceof CacheServerError && err.code === 'UPLOAD_ABORTED') {
        record.aborted = true;
        return;
      }
      throw err;
    }
    record.bytes = size;
    if (size === 0) {
      await fs.promises.rm(spool, { force: true });
      return reply(400, { error: 'empty body; expected a gzipped tar' });
    }
    const result = await storage.commit(hash, spool, size);
    if (result === 'exists') return reply(409, { error: 'entry exists; cache entries are immutable' });
    reply(200, { stored: true });
    if (estimatedBytes !== undefined) estimatedBytes += size;
    if (storage.evictAfterWrites && (estimatedBytes === undefined || estimatedBytes > policy.maxSizeBytes))
      void evict();
  };

  // Responses in flight; close() waits for them (see the note there).
  const inflight = new Set<Promise<void>>();
  const server = http.createServer((req, res) => {
    const started = performance.now();
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    inflight.add(done);
    const record: RequestLogRecord = {
      time: new Date().toISOString(),
      method: req.method ?? '?',
      path: (req.url ?? '/').startsWith('/v1/cache/') ? '/v1/cache' : (req.url ?? '/').slice(0, 64),
      status: 0,
      bytes: 0,
      ms: 0,
    };
    res.on('close', () => {
      record.status = res.statusCode;
      if (!res.writableFinished) record.aborted = true;
      record.ms = Math.round((performance.now() - started) * 10) / 10;
      log(record);
      inflight.delete(done);
      settle();
    });
    handle(req, res, record).catch((err: Error) => {
      record.error = err.message.split('\n')[0];
      if (!res.headersSent) {
        const text = JSON.stringify({ error: 'storage failure' });
        res.writeHead(500, {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
          Connection: 'close',
        });
        res.end(text);
      } else {
        res.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new CacheServerError(
          'BAD_OPTION',
          `cannot listen on ${options.host ?? DEFAULTS.host}:${options.port ?? DEFAULTS.port} (${err.code}); pick another --port or --host`,
        ),
      ),
    );
    server.listen(options.port ?? DEFAULTS.port, options.host ?? DEFAULTS.host, () => resolve());
  }).catch(async (err) => {
    await storage.close();
    throw err;
  });

  const intervalMs = options.evictionIntervalMs ?? DEFAULTS.evictionIntervalMs;
  const timer = intervalMs > 0 ? setInterval(() => void evict(), intervalMs).unref() : undefined;
  void evict();

  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log({
    time: new Date().toISOString(),
    event: 'listening',
    url,
    storage: storage.description,
    auth: options.insecureNoAuth ? 'none' : `${entries.length} tokens`,
  });

  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    storage,
    evict,
    close: () => {
      closing ??= (async () => {
        if (timer) clearInterval(timer);
        // http.Server#close() also drops connections whose request was fully read, even while the
        // response is still being written; net.Server#close() only stops accepting, so in-flight
        // responses finish first (bounded), then idle keep-alive sockets are closed.
        const closed = new Promise<void>((resolve) =>
          net.Server.prototype.close.call(server, () => resolve()),
        );
        const grace = new Promise<void>((resolve) => setTimeout(resolve, CLOSE_GRACE_MS).unref());
        await Promise.race([Promise.all([...inflight]), grace]);
        server.closeIdleConnections();
        server.closeAllConnections();
        await closed;
        await chain;
        await storage.close();
        log({ time: new Date().toISOString(), event: 'closed' });
      })();
      return closing;
    },
  };
}
