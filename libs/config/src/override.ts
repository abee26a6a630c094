import { ConfigError } from './config-error';
import { emptyMap, findReservedKey, RESERVED_KEYS, reservedKeyError } from './tree';

/** What an override does: `k=v` set, `+k=v` add, `++k=v` force (add or set), `~k[=v]` delete. */
export type OverrideAction = 'set' | 'add' | 'force' | 'delete';

export interface Override {
  action: OverrideAction;
  /** Dotted key path, e.g. `model.C`. */
  key: string;
  path: string[];
  /** Parsed value; for `delete` only present when `hasValue` (delete-if-equal). */
  value?: unknown;
  hasValue: boolean;
  /** The override as written (trimmed), used in messages and provenance. */
  text: string;
}

const KEY_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;
const SWEEP_FN_RE = /^(range|choice|interval|glob|tag|sort|shuffle)\s*\(/;

function syntaxError(text: string, why: string): ConfigError {
  return new ConfigError('OVERRIDE_SYNTAX', `override '${text}': ${why}`);
}

/**
 * Splits on commas that are not inside quotes, brackets, braces, parentheses or `${...}`.
 * Throws a plain Error describing the imbalance; callers wrap it with context.
 */
export function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  const closers: string[] = [];
  let quote: string | null = null;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if ((c === "'" || c === '"') && isQuoteStart(text, i)) quote = c;
    else if (c === '[') closers.push(']');
    else if (c === '{') closers.push('}');
    else if (c === '(') closers.push(')');
    else if (c === ']' || c === '}' || c === ')') {
      const want = closers.pop();
      if (want !== c)
        throw new Error(
          want
            ? `expected '${want}' but found '${c}' at character ${i + 1}`
            : `unexpected '${c}' at character ${i + 1}`,
        );
    } else if (c === ',' && closers.length === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote`);
  if (closers.length > 0) throw new Error(`missing '${closers[closers.length - 1]}'`);
  parts.push(text.slice(start));
  return parts;
}

// A quote only opens a quoted string at the start of an element (Hydra's rule), so `it's` stays plain text.
function isQuoteStart(text: string, i: number): boolean {
  const before = text.slice(0, i).trimEnd();
  return before === '' || /[,[{:(=]$/.test(before);
}

function unquote(t: string): string | undefined {
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) {
    const q = t[0];
    const body = t.slice(1, -1);
    // The closing quote must be the first unescaped quote.
    let out = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i];
      if (c === '\\' && i + 1 < body.length && (body[i + 1] === q || body[i + 1] === '\\')) {
        out += body[++i];
      } else if (c === q) {
        return undefined;
      } else out += c;
    }
    return out;
  }
  return undefined;
}

const INT_RE = /^[+-]?\d(_?\d)*$/;
const FLOAT_RE = /^[+-]?(\d(_?\d)*)?(\.\d(_?\d)*|\d\.|\.)?([eE][+-]?\d+)?$/;

/** Parses one element (no top-level commas) with Hydra's value rules. */
function parseElement(raw: string): unknown {
  const t = raw.trim();
  if (t === '') return '';
  if (t.startsWith('[') && t.endsWith(']')) {
    const inner = t.slice(1, -1);
    if (inner.trim() === '') return [];
    return splitTopLevel(inner).map(parseElement);
  }
  if (t.startsWith('{') && t.endsWith('}')) {
    const inner = t.slice(1, -1);
    const out = emptyMap();
    if (inner.trim() === '') return out;
    for (const entry of splitTopLevel(inner)) {
      const colon = entry.indexOf(':');
      if (colon < 0) throw new Error(`map entry '${entry.trim()}' needs 'key: value'`);
      const keyText = entry.slice(0, colon).trim();
      const key = unquote(keyText) ?? keyText;
      if (key === '') throw new Error(`map entry '${entry.trim()}' has an empty key`);
      out[key] = parseElement(entry.slice(colon + 1));
    }
    return out;
  }
  const quoted = unquote(t);
  if (quoted !== undefined) return quoted;
  if (t[0] === "'" || t[0] === '"') throw new Error(`unterminated ${t[0]} quote`);
  if (INT_RE.test(t)) return Number(t.replace(/_/g, ''));
  if (/\d/.test(t) && FLOAT_RE.test(t)) return Number(t.replace(/_/g, ''));
  const lower = t.toLowerCase();
  if (/^[+]?inf$/.test(lower)) return Infinity;
  if (lower === '-inf') return -Infinity;
  if (lower === 'nan') return NaN;
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  if (lower === 'null') return null;
  return t;
}

/**
 * Parses an override value as Hydra does: int, float, true/false, null, quoted strings,
 * `[lists]`, `{maps}`, otherwise a string. Sweep syntax is rejected here (it belongs in a sweep file).
 * Throws a plain Error with the reason; parseOverride adds the context.
 */
export function parseValueText(text: string): unknown {
  const t = text.trim();
  const parts = splitTopLevel(t);
  if (parts.length > 1)
    throw new Error(
      `'${t}' is a sweep (comma list); quote it ('${t}') for a string or put it in a sweep file`,
    );
  if (SWEEP_FN_RE.test(t))
    throw new Error(`'${t}' is a sweep expression; put it in configs/sweep/<name>.yaml`);
  return parseElement(t);
}

/** Parses one Hydra override string; throws ConfigError (code OVERRIDE_SYNTAX) on bad syntax. */
export function parseOverride(input: string): Override {
  const text = input.trim();
  if (text === '') throw syntaxError(text, 'empty override (expected key.path=value)');
  let action: OverrideAction = 'set';
  let rest = text;
  if (rest.startsWith('~')) {
    action = 'delete';
    rest = rest.slice(1);
  } else if (rest.startsWith('++')) {
    action = 'force';
    rest = rest.slice(2);
  } else if (rest.startsWith('+')) {
    action = 'add';
    rest = rest.slice(1);
  }
  const eq = rest.indexOf('=');
  const key = (eq < 0 ? rest : rest.slice(0, eq)).trim();
  if (eq < 0 && action !== 'delete') {
    const prefix = action === 'add' ? '+' : action === 'force' ? '++' : '';
    throw syntaxError(text, `missing '=' (expected ${prefix}key.path=value)`);
  }
  if (!KEY_RE.test(key))
    throw syntaxError(text, `'${key}' is not a valid key path (expected dot-separated names like model.C)`);
  const override: Override = { action, key, path: key.split('.'), hasValue: eq >= 0, text };
  if (override.path.some((seg) => RESERVED_KEYS.has(seg))) throw reservedKeyError(`override '${text}'`, key);
  if (eq >= 0) {
    try {
      override.value = parseValueText(rest.slice(eq + 1));
    } catch (e) {
      throw syntaxError(text, (e as Error).message);
    }
    const reserved = findReservedKey(override.value, override.path);
    if (reserved !== undefined) throw reservedKeyError(`override '${text}'`, reserved);
  }
  return override;
}
