import * as fs from 'node:fs';
import * as http from 'node:http';
import * as net from 'node:net';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { CacheServerError } from './errors';
import { receiveWholeBody, spoolBody } from './spool';
import { createStorage, type StorageSpec } from './storage/create-storage';
import type { CacheStorage, EvictionReport } from './storage/storage';
import {
  canDelete,
  canWrite,
  hashTokens,
  matchToken,
  readBearer,
  type AccessToken,
  type TokenAccess,
  type TokenEntry,
} from './tokens';
import { startUploadCheck } from './validation/upload-check';
import { warmUpValidation } from './validation/warm-up';
import { checkWholeUpload } from './validation/whole-check';
import { verifyEntry } from './verify-entry';

export const HASH_PATTERN = /^[A-Za-z0-9]{1,128}$/;

export type { StorageSpec } from './storage/create-storage';

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
  /** Time to receive a request's headers; default 30 s. */
  headersTimeoutMs?: number;
  /** Time to receive a whole request, body included; default 10 min (a 512 MiB upload at ~1 MiB/s). */
  requestTimeoutMs?: number;
  /** Idle time before a keep-alive connection is closed; default 5 s. */
  keepAliveTimeoutMs?: number;
  /** Open connections beyond this are closed at once; default 512. */
  maxConnections?: number;
  /**
   * Validate uploads as gzipped tars and verify each entry's sha256 on GET; default true. False
   * serves as before issue 8 and exists only so the benchmark can measure what validation costs.
   */
  verify?: boolean;
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
  event: 'listening' | 'evicted' | 'eviction-failed' | 'quarantined' | 'closed';
  [field: string]: unknown;
}

export type LogRecord = RequestLogRecord | EventLogRecord;

export interface CacheServer {
  url: string;
  port: number;
  storage: CacheStorage;
  /** The node:http server, for its limits (timeouts, maxConnections). */
  httpServer: http.Server;
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
  headersTimeoutMs: 30_000,
  requestTimeoutMs: 10 * 60_000,
  keepAliveTimeoutMs: 5_000,
  maxConnections: 512,
};

/** If a client keeps sending after a 413, its connection is cut after this long. */
const DRAIN_AFTER_REJECT_MS = 2000;

/**
 * Entries up to this size are verified and served from one buffer (one read instead of two
 * passes), while the buffers of all GETs in flight stay under READ_BUDGET_BYTES.
 */
const READ_WHOLE_MAX_BYTES = 8 * 1024 ** 2;
const READ_BUDGET_BYTES = 256 * 1024 ** 2;

/**
 * Uploads that declare at most this many bytes are received into one buffer and checked when
 * complete (receiveWholeBody), while the buffers of all uploads in flight stay under
 * UPLOAD_BUDGET_BYTES; others are checked as they stream, and refused at their first bad header.
 */
const UPLOAD_WHOLE_MAX_BYTES = 2 * 1024 ** 2;
const UPLOAD_BUDGET_BYTES = 128 * 1024 ** 2;

/** How long close() lets in-flight responses finish before cutting them. */
const CLOSE_GRACE_MS = 10_000;

interface Principal {
  name: string;
  access: TokenAccess;
}

/** The request path without its query string. */
function pathOf(url: string | undefined): string {
  const text = url ?? '/';
  const q = text.indexOf('?');
  return q === -1 ? text : text.slice(0, q);
}

function writeJsonLine(record: LogRecord): void {
  process.stdout.write(`${JSON.stringify(record)}\n`);
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
  const verify = options.verify ?? true;
  const headersTimeoutMs = options.headersTimeoutMs ?? DEFAULTS.headersTimeoutMs;
  const requestTimeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  if (headersTimeoutMs > requestTimeoutMs) {
    throw new CacheServerError(
      'BAD_OPTION',
      `the headers timeout (${headersTimeoutMs} ms) is longer than --request-timeout (${requestTimeoutMs} ms); raise --request-timeout`,
    );
  }
  const policy = {
    maxSizeBytes: options.maxSizeBytes ?? DEFAULTS.maxSizeBytes,
    maxAgeMs: options.maxAgeMs ?? DEFAULTS.maxAgeMs,
  };
  const log = options.log === false ? () => undefined : (options.log ?? writeJsonLine);
  const storage = await createStorage(options.storage);
  await storage.open();
  if (verify) await warmUpValidation();

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

  let readBytes = 0;
  /** Bytes of uploads held in memory (receiveWholeBody) right now. */
  let uploadBytes = 0;
  type Reply = (status: number, body: unknown, headers?: http.OutgoingHttpHeaders) => void;

  const serveEntry = async (
    hash: string,
    res: http.ServerResponse,
    record: RequestLogRecord,
    reply: Reply,
  ): Promise<void> => {
    let entry;
    try {
      entry = await storage.get(hash);
    } catch (err) {
      // Nx aborts the whole run on a 5xx GET; a storage hiccup should cost a cache miss, not CI.
      record.error = (err as Error).message.split('\n')[0];
      return reply(404, { error: 'miss (storage error, see server log)' });
    }
    if (!entry) return reply(404, { error: 'miss' });
    const whole = verify && entry.size <= READ_WHOLE_MAX_BYTES && readBytes + entry.size <= READ_BUDGET_BYTES;
    if (whole) readBytes += entry.size;
    try {
      const bytes = whole ? await entry.readAll() : undefined;
      if (verify) {
        const verdict = await verifyEntry(entry, bytes);
        if (!verdict.ok) {
          // A bad entry must cost one rebuild, not every run until it ages out: move it aside so the
          // next upload can store a good one.
          record.error = `entry failed verification: ${verdict.reason}`;
          let to: string | undefined;
          try {
            to = await storage.quarantine(hash);
          } catch (err) {
            record.error += `; quarantine failed: ${(err as Error).message.split('\n')[0]}`;
          }
          log({ time: new Date().toISOString(), event: 'quarantined', hash, reason: verdict.reason, to });
          return reply(404, { error: 'miss (entry failed verification and was quarantined)' });
        }
        if (entry.sha256 === undefined) {
          await storage.recordChecksum(hash, verdict.sha256).catch((err: Error) => {
            record.error = `could not record the checksum: ${err.message.split('\n')[0]}`;
          });
        }
      }
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': entry.size });
      record.bytes = entry.size;
      if (bytes) {
        await new Promise<void>((resolve) => {
          res.end(bytes, resolve);
          res.once('close', resolve);
        });
        return;
      }
      try {
        await pipeline(entry.open(), res);
      } catch {
        record.aborted = true;
      }
    } finally {
      if (whole) readBytes -= entry.size;
      entry.release();
    }
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
    const urlPath = pathOf(req.url);
    if (urlPath === '/healthz') {
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return reply(405, { error: 'use GET' }, { Allow: 'GET' });
      return reply(200, { ok: true });
    }
    if (!urlPath.startsWith('/v1/cache/')) return reply(404, { error: `no route ${urlPath.slice(0, 64)}` });
    if (req.method !== 'GET' && req.method !== 'PUT' && req.method !== 'DELETE')
      return reply(405, { error: 'use GET, PUT or DELETE' }, { Allow: 'GET, PUT, DELETE' });

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
    if (req.method === 'PUT' && !canWrite(principal.access)) {
      return rejectUpload(403, `token '${principal.name}' is read-only`);
    }
    if (req.method === 'DELETE' && !canDelete(principal.access)) {
      return reply(403, {
        error: `token '${principal.name}' may not delete entries; DELETE needs a token with access: admin`,
      });
    }
    if (!HASH_PATTERN.test(hash)) {
      const message = 'hash must be 1-128 letters or digits';
      return req.method === 'PUT' ? rejectUpload(400, message) : reply(400, { error: message });
    }

    if (req.method === 'GET') return serveEntry(hash, res, record, reply);
    if (req.method === 'DELETE') {
      return (await storage.delete(hash))
        ? reply(200, { deleted: true })
        : reply(404, { error: 'no such entry' });
    }

    const declared = req.headers['content-length'];
    const size = declared === undefined ? 0 : Number(declared);
    if (size > maxBodyBytes) {
      return rejectUpload(413, `body of ${declared} bytes exceeds the ${maxBodyBytes}-byte limit`);
    }
    // Cheap early answer; the commit below is what really decides who wins.
    if (await storage.has(hash)) return rejectUpload(409, 'entry exists; cache entries are immutable');

    const spool = storage.spoolPath();
    const trailer = storage.spoolTrailer?.bind(storage);
    const whole =
      verify && size > 0 && size <= UPLOAD_WHOLE_MAX_BYTES && uploadBytes + size <= UPLOAD_BUDGET_BYTES;
    if (whole) uploadBytes += size;
    let spooled;
    try {
      spooled = whole
        ? await receiveWholeBody(req, spool, { size, check: checkWholeUpload, trailer })
        : await spoolBody(req, spool, {
            maxBytes: maxBodyBytes,
            check: verify ? startUploadCheck() : undefined,
            trailer,
          });
    } catch (err) {
      await fs.promises.rm(spool, { force: true });
      if (err instanceof CacheServerError && err.code === 'BODY_TOO_LARGE')
        return rejectUpload(413, err.message);
      if (err instanceof CacheServerError && err.code === 'BAD_ARCHIVE') {
        record.error = err.message;
        return rejectUpload(400, err.message);
      }
      if (err instanceof CacheServerError && err.code === 'UPLOAD_ABORTED') {
        record.aborted = true;
        return;
      }
      throw err;
    } finally {
      if (whole) uploadBytes -= size;
    }
    const stored = spooled.bytes;
    record.bytes = stored;
    if (stored === 0) {
      await fs.promises.rm(spool, { force: true });
      return reply(400, { error: 'empty body; expected a gzipped tar' });
    }
    const result = await storage.commit(hash, spool, stored, spooled.sha256);
    if (result === 'exists') return reply(409, { error: 'entry exists; cache entries are immutable' });
    reply(200, { stored: true });
    if (estimatedBytes !== undefined) estimatedBytes += stored;
    if (storage.evictAfterWrites && (estimatedBytes === undefined || estimatedBytes > policy.maxSizeBytes))
      void evict();
  };

  // Responses in flight; close() waits for them (see the note there).
  const inflight = new Set<Promise<void>>();
  // Timeouts are enforced by a periodic check; the default period (30 s) would double short ones.
  const server = http.createServer({ connectionsCheckingInterval: 1_000 }, (req, res) => {
    const started = performance.now();
    let settle: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (settle = resolve));
    inflight.add(done);
    const record: RequestLogRecord = {
      time: new Date().toISOString(),
      method: req.method ?? '?',
      // Never the query string: clients put tokens there (`/healthz?access_token=...`).
      path: pathOf(req.url).startsWith('/v1/cache/') ? '/v1/cache' : pathOf(req.url).slice(0, 64),
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

  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = requestTimeoutMs;
  server.keepAliveTimeout = options.keepAliveTimeoutMs ?? DEFAULTS.keepAliveTimeoutMs;
  server.maxConnections = options.maxConnections ?? DEFAULTS.maxConnections;

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
    httpServer: server,
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
