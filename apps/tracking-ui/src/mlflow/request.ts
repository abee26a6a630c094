import type * as http from 'node:http';
import { invalid, MlflowApiError } from './errors';

/** JSON bodies above this are refused: a log-batch at MLflow's limits is well under 1 MB. */
export const MAX_JSON_BYTES = 16 * 1024 * 1024;

/** A request's fields: the JSON body of a POST, or the query string of a GET (MLflow allows both for reads). */
export class Fields {
  constructor(
    readonly endpoint: string,
    private readonly values: Record<string, unknown>,
  ) {}

  static fromQuery(endpoint: string, q: URLSearchParams): Fields {
    const values: Record<string, unknown> = {};
    for (const key of new Set(q.keys())) {
      const all = q.getAll(key);
      values[key] = all.length === 1 ? all[0] : all;
    }
    return new Fields(endpoint, values);
  }

  has(name: string): boolean {
    return this.values[name] !== undefined && this.values[name] !== null;
  }

  raw(name: string): unknown {
    return this.values[name];
  }

  private missing(name: string): MlflowApiError {
    return invalid(`${this.endpoint}: missing value for required parameter '${name}'`);
  }

  string(name: string): string | undefined {
    const v = this.values[name];
    if (v === undefined || v === null) return undefined;
    if (typeof v === 'string') return v;
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    throw invalid(`${this.endpoint}: parameter '${name}' must be a string (got ${JSON.stringify(v)})`);
  }

  requireString(name: string): string {
    const v = this.string(name);
    if (v === undefined || v === '') throw this.missing(name);
    return v;
  }

  /** int64 fields come as JSON numbers or, from protobuf JSON writers, as decimal strings. */
  integer(name: string): number | undefined {
    const v = this.values[name];
    if (v === undefined || v === null || v === '') return undefined;
    const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n)) {
      throw invalid(`${this.endpoint}: parameter '${name}' must be an integer (got ${JSON.stringify(v)})`);
    }
    return n;
  }

  requireInteger(name: string): number {
    const v = this.integer(name);
    if (v === undefined) throw this.missing(name);
    return v;
  }

  list(name: string): unknown[] {
    const v = this.values[name];
    if (v === undefined || v === null) return [];
    return Array.isArray(v) ? v : [v];
  }

  /** run_id, or the deprecated run_uuid that older clients still send. */
  runId(): string {
    const id = this.string('run_id') || this.string('run_uuid');
    if (!id) throw this.missing('run_id');
    return id;
  }

  experimentId(name = 'experiment_id'): number {
    const raw = this.requireString(name);
    return parseExperimentId(raw, this.endpoint);
  }
}

export function parseExperimentId(raw: string, endpoint: string): number {
  if (!/^\d{1,15}$/.test(raw.trim()))
    throw invalid(`${endpoint}: experiment_id '${raw}' is not a valid experiment id (a decimal number)`);
  return Number(raw.trim());
}

/** A metric value: a number, or the protobuf JSON strings for the non-finite doubles. */
export function parseMetricValue(v: unknown, key: string, endpoint: string): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const t = v.trim();
    if (t === 'NaN') return NaN;
    if (t === 'Infinity' || t === 'inf') return Infinity;
    if (t === '-Infinity' || t === '-inf') return -Infinity;
    if (t !== '' && Number.isFinite(Number(t))) return Number(t);
  }
  throw invalid(`${endpoint}: metric '${key}' has value ${JSON.stringify(v)}, which is not a number`);
}

export async function readJsonBody(req: http.IncomingMessage, endpoint: string): Promise<Fields> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_JSON_BYTES)
      throw new MlflowApiError(
        'INVALID_PARAMETER_VALUE',
        `${endpoint}: request body is over ${MAX_JSON_BYTES} bytes; split the batch`,
        413,
      );
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return new Fields(endpoint, {});
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new MlflowApiError(
      'BAD_REQUEST',
      `${endpoint}: body is not valid JSON (${(err as Error).message})`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new MlflowApiError('BAD_REQUEST', `${endpoint}: body must be a JSON object`);
  return new Fields(endpoint, parsed as Record<string, unknown>);
}

export function keyValues(f: Fields, name: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [i, item] of f.list(name).entries()) {
    const kv = item as { key?: unknown; value?: unknown } | null;
    if (kv === null || typeof kv !== 'object' || typeof kv.key !== 'string' || kv.key === '')
      throw invalid(`${f.endpoint}: ${name}[${i}] must be an object with a non-empty string 'key'`);
    if (kv.value !== undefined && kv.value !== null && typeof kv.value === 'object')
      throw invalid(`${f.endpoint}: ${name}[${i}] ('${kv.key}') value must be a string`);
    out[kv.key] = kv.value === undefined || kv.value === null ? '' : String(kv.value);
  }
  return out;
}

const PAGE_TOKEN = /^[A-Za-z0-9_-]+={0,2}$/;

export function decodePageToken(f: Fields): number {
  const token = f.string('page_token');
  if (token === undefined || token === '') return 0;
  let offset: unknown;
  try {
    if (!PAGE_TOKEN.test(token)) throw new Error('bad');
    offset = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { offset?: unknown }).offset;
  } catch {
    offset = undefined;
  }
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0)
    throw invalid(`${f.endpoint}: page_token '${token}' is not one this server gave out`);
  return offset;
}

export const encodePageToken = (offset: number): string =>
  Buffer.from(JSON.stringify({ offset }), 'utf8').toString('base64url');
