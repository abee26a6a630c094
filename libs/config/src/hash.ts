import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** sha256 hex of the canonical JSON of the sections that decide a model: data, train, model. */
export function hashConfig(resolved: Record<string, unknown>): string {
  const subset = {
    data: resolved.data ?? null,
    train: resolved.train ?? null,
    model: resolved.model ?? null,
  };
  return createHash('sha256').update(canonicalJson(subset)).digest('hex');
}
