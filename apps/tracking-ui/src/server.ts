import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { errorMessage } from '@cellar/config';
import { openStore, TrackingError, type RunDetail, type TrackingStore } from '@cellar/tracking';
import {
  ARTIFACT_CSP,
  PAGE_CSP,
  contentDisposition,
  contentTypeFor,
  isInlineImage,
  sendError,
  sendJson,
} from './http-util';
import { authFromEnv, mayRead, READ_TOKENS_ENV, type TrackingAuth } from './mlflow/auth';
import { handleMlflow, isMlflowPath } from './mlflow/router';

export interface UiServerOptions {
  /** An open store to serve; when absent one is opened read-only from dbPath/root. */
  store?: TrackingStore;
  dbPath?: string;
  root?: string;
  host?: string;
  port?: number;
  /** Accept writes over the MLflow API (`cellar server`); default false (`cellar ui` only reads). */
  writable?: boolean;
  /** Read/write token digests; default from CELLAR_TRACKING_READ_TOKENS / CELLAR_TRACKING_WRITE_TOKENS. */
  auth?: TrackingAuth;
}

export interface UiServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

const STATIC_FILES: Record<string, string> = {
  '/': 'index.html',
  '/index.html': 'index.html',
  '/static/app.js': 'app.js',
  '/static/app.css': 'app.css',
  '/static/favicon.svg': 'favicon.svg',
};

/** The chart library's files, sent from the installed package (no CDN): route -> resolved file. */
const vendorFiles = (): Record<string, string> => ({
  '/static/vendor/uplot.js': require.resolve('uplot/dist/uPlot.iife.min.js'),
  '/static/vendor/uplot.css': require.resolve('uplot/dist/uPlot.min.css'),
});

interface StaticAsset {
  body: Buffer;
  type: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export async function startUiServer(o: UiServerOptions = {}): Promise<UiServer> {
  const ownsStore = !o.store;
  const writable = o.writable === true;
  const auth = o.auth ?? authFromEnv();
  const store = o.store ?? openStore({ dbPath: o.dbPath, root: o.root, readonly: !writable });
  const assets = loadStaticAssets();
  const host = o.host ?? '127.0.0.1';
  const loopback = LOOPBACK_HOSTS.has(host);
  const server = http.createServer((req, res) => {
    // On a loopback bind, refuse other Host names: a web page using DNS rebinding could read runs otherwise.
    if (loopback && !LOOPBACK_HOSTS.has(hostName(req.headers.host))) {
      sendError(
        res,
        403,
        `host '${req.headers.host ?? ''}' is not allowed; open the UI at http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
      );
      return;
    }
    const url = parseRequestUrl(req.url ?? '/');
    if (isMlflowPath(url.pathname)) {
      const ctx = { store, auth, writable, exposed: !loopback };
      handleMlflow(ctx, req, res, url.pathname, url.searchParams).catch(() => res.destroy());
      return;
    }
    if (url.pathname.startsWith('/api/') && !mayRead(req, auth)) {
      sendError(res, 401, `${READ_TOKENS_ENV} is set: send Authorization: Bearer <token> to read runs`);
      return;
    }
    const ui = { writable, tokens: auth.read.length > 0 || auth.write.length > 0, exposed: !loopback };
    handleRequest(store, assets, ui, req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, `internal error: ${errorMessage(err)}`);
      else res.destroy();
    });
  });
  const wanted = o.port ?? 5000;
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(wanted, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    if (ownsStore) store.close();
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    throw new TrackingError(
      'USAGE',
      `ui: cannot listen on ${host}:${wanted} (${code}: ${errorMessage(err)}); pick another port, or 0 for a free one`,
      {
        cause: err,
      },
    );
  }
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}/`,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => {
          if (ownsStore) store.close();
          if (err) reject(err);
          else resolve();
        });
        server.closeAllConnections();
      }),
  };
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** The name part of a Host header: `127.0.0.1:5000` -> `127.0.0.1`, `[::1]:80` -> `[::1]`. */
function hostName(header: string | undefined): string {
  if (!header) return '';
  if (header.startsWith('[')) return header.slice(0, header.indexOf(']') + 1);
  const colon = header.indexOf(':');
  return (colon < 0 ? header : header.slice(0, colon)).toLowerCase();
}

function loadStaticAssets(): Map<string, StaticAsset> {
  const dir = path.join(__dirname, 'static');
  const assets = new Map<string, StaticAsset>();
  for (const [route, file] of Object.entries(STATIC_FILES)) {
    assets.set(route, { body: fs.readFileSync(path.join(dir, file)), type: contentTypeFor(file) });
  }
  for (const [route, file] of Object.entries(vendorFiles())) {
    assets.set(route, { body: fs.readFileSync(file), type: contentTypeFor(file) });
  }
  return assets;
}

/** What the page needs to know to offer edits: they go through the MLflow API and its auth rules. */
interface UiSettings {
  writable: boolean;
  tokens: boolean;
  exposed: boolean;
}

async function handleRequest(
  store: TrackingStore,
  assets: Map<string, StaticAsset>,
  ui: UiSettings,
  req: http.IncomingMessage,
  res: http.ServerResponse,
): Promise<void> {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    sendError(res, 405, `${method} is not supported; this server is read-only`);
    return;
  }
  const url = parseRequestUrl(req.url ?? '/');
  const head = method === 'HEAD';
  try {
    if (url.pathname.startsWith('/api/')) {
      await handleApi(store, ui, url, req, res, head);
      return;
    }
    const asset = assets.get(url.pathname);
    if (!asset) throw new HttpError(404, `no page at ${url.pathname}; the UI lives at /`);
    res.writeHead(200, {
      'Content-Type': asset.type,
      'Content-Length': asset.body.length,
      'Cache-Control': 'no-cache',
      'Content-Security-Policy': PAGE_CSP,
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
    });
    res.end(head ? undefined : asset.body);
  } catch (err) {
    const e = toHttpError(err);
    sendJson(res, e.status, { error: e.message, ...e.extra }, head);
  }
}

async function handleApi(
  store: TrackingStore,
  ui: UiSettings,
  url: RequestUrl,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  head: boolean,
): Promise<void> {
  const parts = url.pathname.split('/').slice(2); // ['runs', id, 'artifacts', ...]
  if (parts.length === 1 && parts[0] === 'settings') {
    // Edits need a writable store and no token (a page can't hold one); else the UI only reads.
    sendJson(res, 200, { editable: ui.writable && !ui.tokens && !ui.exposed, ...ui }, head);
    return;
  }
  if (parts.length === 1 && parts[0] === 'experiments') {
    sendJson(res, 200, { experiments: store.listExperiments() }, head);
    return;
  }
  if (parts.length === 1 && parts[0] === 'runs') {
    sendJson(res, 200, searchRunsPage(store, url.searchParams), head);
    return;
  }
  if (parts[0] === 'runs' && parts.length >= 2 && parts[1] !== '') {
    const id = decodeSegment(parts[1]);
    if (parts.length === 2) {
      sendJson(res, 200, store.getRun(id), head);
      return;
    }
    if (parts[2] === 'artifacts' && parts.length >= 4) {
      await sendArtifact(store, id, parts.slice(3), url, req, res, head);
      return;
    }
  }
  throw new HttpError(
    404,
    `no API route ${url.pathname}; see GET /api/experiments, /api/runs, /api/runs/:id`,
  );
}

export interface RunsPage {
  runs: RunDetail[];
  total: number;
  offset: number;
  limit: number;
  paramKeys: string[];
  metricKeys: string[];
  tagKeys: string[];
}

function searchRunsPage(store: TrackingStore, q: URLSearchParams): RunsPage {
  const experiments = q.getAll('experiment').filter((s) => s !== '');
  const filter = q.get('filter') ?? '';
  const orderBy = q.getAll('order_by').filter((s) => s.trim() !== '');
  const offset = intParam(q, 'offset', 0, 0, Number.MAX_SAFE_INTEGER);
  const limit = intParam(q, 'limit', DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE);
  const lifecycle = q.get('lifecycle') ?? 'active';
  if (lifecycle !== 'active' && lifecycle !== 'deleted' && lifecycle !== 'all')
    throw new HttpError(400, `query parameter lifecycle must be active, deleted or all (got '${lifecycle}')`);
  const exps = experiments.length > 0 ? experiments : undefined;
  const result = store.searchRuns({
    experiments: exps,
    filter: filter.trim() === '' ? undefined : filter,
    orderBy: orderBy.length > 0 ? orderBy : undefined,
    lifecycle,
    maxResults: limit,
    offset,
  });
  return {
    runs: result.runs,
    total: result.total,
    offset,
    limit,
    paramKeys: store.listParamKeys(exps),
    metricKeys: store.listMetricKeys(exps),
    tagKeys: store.listTagKeys(exps),
  };
}

function intParam(q: URLSearchParams, key: string, fallback: number, min: number, max: number): number {
  const raw = q.get(key);
  if (raw === null || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new HttpError(
      400,
      `query parameter ${key} must be an integer from ${min} to ${max} (got '${raw}')`,
    );
  }
  return n;
}

async function sendArtifact(
  store: TrackingStore,
  runId: string,
  rawSegments: string[],
  url: RequestUrl,
  req: http.IncomingMessage,
  res: http.ServerResponse,
  head: boolean,
): Promise<void> {
  const segments = rawSegments.map(decodeSegment);
  if (
    segments.some(
      (s) => s === '' || s === '.' || s === '..' || s.includes('/') || s.includes('\\') || s.includes('\0'),
    )
  ) {
    throw new HttpError(
      400,
      `artifact path '${segments.join('/')}' must be a plain relative path (no '.', '..' or empty parts)`,
    );
  }
  const name = segments.join('/');
  const run = store.getRun(runId);
  // Only serve what the run recorded, whatever the artifact folder happens to hold.
  const artifact = run.artifacts.find((a) => a.path === name);
  if (!artifact)
    throw new HttpError(
      404,
      `run ${run.info.runId} has no artifact '${name}'; see GET /api/runs/${run.info.runId}`,
    );
  const file = store.artifactFile(run.info.runId, name);
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch {
    throw new HttpError(
      404,
      `artifact '${name}' of run ${run.info.runId} is recorded but its file is missing`,
    );
  }
  const etag = `"${artifact.sha256}"`;
  const inline = url.searchParams.get('inline') === '1' && isInlineImage(name);
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': contentTypeFor(name),
    'Content-Disposition': contentDisposition(inline ? 'inline' : 'attachment', name),
    'Content-Security-Policy': ARTIFACT_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    ETag: etag,
  };
  if (req.headers['if-none-match'] === etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': stat.size });
  if (head) {
    res.end();
    return;
  }
  await pipeline(fs.createReadStream(file), res);
}

/** Keeps the path as sent: WHATWG URL parsing would resolve `..` and `%2e%2e` before we could refuse them. */
interface RequestUrl {
  pathname: string;
  searchParams: URLSearchParams;
}

function parseRequestUrl(raw: string): RequestUrl {
  const q = raw.indexOf('?');
  return {
    pathname: q < 0 ? raw : raw.slice(0, q),
    searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new HttpError(400, `bad percent-encoding in URL segment '${s}'`);
  }
}

function toHttpError(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const message = errorMessage(err);
  if (err instanceof TrackingError) {
    const code = err.code;
    if (code === 'RUN_NOT_FOUND' || code === 'ARTIFACT_NOT_FOUND' || code === 'EXPERIMENT_NOT_FOUND') {
      return new HttpError(404, message, { code });
    }
    if (CLIENT_ERRORS.has(code)) {
      return new HttpError(400, message, err.column === undefined ? { code } : { code, column: err.column });
    }
  }
  return new HttpError(500, `internal error: ${message}`);
}

/** Store errors caused by what the client asked for; the rest are the server's problem. */
const CLIENT_ERRORS = new Set<string>([
  'INVALID_FILTER',
  'INVALID_ORDER',
  'AMBIGUOUS_RUN',
  'INVALID_NAME',
  'INVALID_VALUE',
  'USAGE',
]);
