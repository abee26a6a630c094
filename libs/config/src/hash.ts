import { createHash } from 'node:crypto';
import { isMap } from './tree';

/** JSON with map keys sorted at every level, so key order never changes the hash. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value))
    return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  if (isMap(value)) {
    const keys = Object.keys(value)
      .filter((k) => value[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** sha256 hex of the canonical JSON of the sections that decide a model: data, train, model. */
export function hashConfig(resolved: Record<string, unknown>): string {
  const subset = {
    data: resolved.data ?? null,
    train: resolved.train ?? null,
    model: resolved.model ?? null,
  };
  return createHash('sha256').update(canonicalJson(subset)).digest('hex');
}
