/**
 * JSON with object keys sorted at every level, typed arrays written as plain arrays and
 * undefined properties dropped: equal values always give equal bytes. The config hash uses it
 * compact; model.json and metrics.json are written with it.
 */
export function canonicalJson(value: unknown, indent?: number): string {
  return JSON.stringify(canonicalize(value), null, indent) ?? 'null';
}

function canonicalize(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonicalize);
  if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
  if (v !== null && typeof v === 'object') {
    // A null prototype keeps a '__proto__' key from a YAML file an ordinary key.
    const out: Record<string, unknown> = Object.create(null);
    for (const key of Object.keys(v).sort()) {
      const x = (v as Record<string, unknown>)[key];
      if (x !== undefined) out[key] = canonicalize(x);
    }
    return out;
  }
  return v;
}
