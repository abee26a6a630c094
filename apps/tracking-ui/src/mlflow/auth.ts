// Who may read and write over the MLflow API. Tokens follow the cache server's scheme
// (tools/cache-server/src/tokens.ts): comma lists of `name:token` in env vars, kept as sha256
// digests and compared in constant time. Copied, not imported: an app doesn't import a tool.
import { createHash, timingSafeEqual } from 'node:crypto';
import type * as http from 'node:http';
import { TrackingError } from '@cellar/tracking';
import { MlflowApiError } from './errors';

export const READ_TOKENS_ENV = 'CELLAR_TRACKING_READ_TOKENS';
export const WRITE_TOKENS_ENV = 'CELLAR_TRACKING_WRITE_TOKENS';

export interface TrackingAuth {
  /** sha256 digests of tokens that may read. */
  read: Buffer[];
  /** ... that may read and write. */
  write: Buffer[];
}

const digestOf = (secret: string): Buffer => createHash('sha256').update(secret, 'utf8').digest();

/** `name:token` or plain tokens, comma-separated. */
export function parseTokenList(variable: string, text: string | undefined): Buffer[] {
  const items = (text ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  return items.map((item, i) => {
    const colon = item.indexOf(':');
    const token = colon > 0 ? item.slice(colon + 1) : item;
    if (token.length < 8)
      throw new TrackingError(
        'USAGE',
        `${variable}: entry ${i + 1} has a token of ${token.length} characters; use at least 8 (e.g. openssl rand -hex 24)`,
        { key: variable },
      );
    return digestOf(token);
  });
}

export function authFromEnv(env: NodeJS.ProcessEnv = process.env): TrackingAuth {
  return {
    read: parseTokenList(READ_TOKENS_ENV, env[READ_TOKENS_ENV]),
    write: parseTokenList(WRITE_TOKENS_ENV, env[WRITE_TOKENS_ENV]),
  };
}

/** Every entry is compared (no early exit), on fixed-length digests. */
function matches(entries: readonly Buffer[], digest: Buffer): boolean {
  let found = false;
  for (const entry of entries) if (timingSafeEqual(entry, digest)) found = true;
  return found;
}

function bearer(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1] : undefined;
}

/** `Origin` must name this server (as the client reached it); a browser on another site may not write. */
function crossOrigin(req: http.IncomingMessage): string | undefined {
  const origin = req.headers.origin;
  if (origin === undefined) {
    const site = req.headers['sec-fetch-site'];
    return site === 'cross-site' || site === 'same-site' ? `a ${site} request` : undefined;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    return `origin '${origin}'`;
  }
  return host.toLowerCase() === (req.headers.host ?? '').toLowerCase() ? undefined : `origin '${origin}'`;
}

/** For the UI's own /api routes: with read tokens set, they need a read or write token too. */
export function mayRead(req: http.IncomingMessage, auth: TrackingAuth): boolean {
  if (auth.read.length === 0) return true;
  const presented = bearer(req.headers.authorization);
  if (presented === undefined) return false;
  const digest = digestOf(presented);
  return matches(auth.read, digest) || matches(auth.write, digest);
}

export interface AuthPolicy {
  auth: TrackingAuth;
  /** Bound beyond loopback: writes then always need a write token. */
  exposed: boolean;
  /** The store is open for writing (cellar server, not cellar ui). */
  writable: boolean;
}

/**
 * Throws the MLflow error to answer, or returns when the request may go on. Cookies are never
 * consulted: only `Authorization: Bearer`, which a browser never attaches on its own.
 */
export function authorize(req: http.IncomingMessage, write: boolean, p: AuthPolicy): void {
  const presented = bearer(req.headers.authorization);
  const digest = presented === undefined ? undefined : digestOf(presented);
  const isWriter = digest !== undefined && matches(p.auth.write, digest);
  const isReader = isWriter || (digest !== undefined && matches(p.auth.read, digest));
  // A server without tokens ignores one sent by a client configured for another server.
  const hasTokens = p.auth.read.length > 0 || p.auth.write.length > 0;
  if (hasTokens && digest !== undefined && !isReader)
    throw new MlflowApiError('UNAUTHENTICATED', 'the bearer token is not one this server accepts');
  if (!write) {
    if (p.auth.read.length > 0 && !isReader)
      throw new MlflowApiError(
        'UNAUTHENTICATED',
        `reading needs a token: send Authorization: Bearer <token> (set CELLAR_TRACKING_TOKEN on the client)`,
      );
    return;
  }
  const across = crossOrigin(req);
  if (across !== undefined)
    throw new MlflowApiError(
      'PERMISSION_DENIED',
      `cross-origin write refused (${across}); log from a client, not a web page`,
    );
  if (!p.writable)
    throw new MlflowApiError(
      'PERMISSION_DENIED',
      'this server is read-only (cellar ui); start `cellar server` to accept runs',
    );
  const needsToken = p.exposed || p.auth.write.length > 0;
  if (!needsToken) return;
  if (p.auth.write.length === 0)
    throw new MlflowApiError(
      'PERMISSION_DENIED',
      `writes are refused on a server reachable beyond 127.0.0.1 without write tokens; set ${WRITE_TOKENS_ENV}`,
    );
  if (isWriter) return;
  if (isReader)
    throw new MlflowApiError('PERMISSION_DENIED', 'this token may only read; writing needs a write token');
  throw new MlflowApiError(
    'UNAUTHENTICATED',
    'writing needs a write token: send Authorization: Bearer <token> (set CELLAR_TRACKING_TOKEN on the client)',
  );
}
