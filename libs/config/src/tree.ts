// Small helpers over plain YAML-shaped trees (maps, lists, scalars).
import { ConfigError } from './config-error';

export type Tree = Record<string, unknown>;

/** Keys that would reach Object.prototype through a plain object, so no config may use them. */
export const RESERVED_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** A map with no prototype: a key named like an Object.prototype member is just a key. */
export function emptyMap(): Tree {
  return Object.create(null) as Tree;
}

/** The dotted path of the first reserved key in `value` (maps and lists, depth first), or undefined. */
export function findReservedKey(value: unknown, prefix: readonly string[] = []): string | undefined {
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findReservedKey(value[i], [...prefix, String(i)]);
      if (found !== undefined) return found;
    }
  } else if (isMap(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (RESERVED_KEYS.has(k)) return [...prefix, k].join('.');
      const found = findReservedKey(v, [...prefix, k]);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** `where` is the file or override label the key came from. */
export function reservedKeyError(where: string, key: string, file?: string): ConfigError {
  return new ConfigError(
    'RESERVED_KEY',
    `${where}: key '${key}' is not allowed (__proto__, constructor and prototype are reserved names; rename the key)`,
    { file, key },
  );
}

export function isMap(value: unknown): value is Tree {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function cloneValue<T>(value: T): T {
  if (Array.isArray(value)) return value.map(cloneValue) as T;
  if (isMap(value)) {
    const out = emptyMap();
    for (const [k, v] of Object.entries(value)) out[k] = cloneValue(v);
    return out as T;
  }
  return value;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a === 'number' && typeof b === 'number') return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) && Array.isArray(b))
    return a.length === b.length && a.every((v, i) => deepEqual(v, b[i]));
  if (isMap(a) && isMap(b)) {
    const ka = Object.keys(a);
    return (
      ka.length === Object.keys(b).length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k], b[k]))
    );
  }
  return false;
}

/** Reads a value by key path; list elements are addressed by their index. */
export function getPath(root: unknown, path: readonly string[]): unknown {
  let node: unknown = root;
  for (const seg of path) {
    if (isMap(node) && Object.hasOwn(node, seg)) node = node[seg];
    else if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length) node = node[Number(seg)];
    else return undefined;
  }
  return node;
}

export function hasPath(root: unknown, path: readonly string[]): boolean {
  let node: unknown = root;
  for (const seg of path) {
    if (isMap(node) && Object.hasOwn(node, seg)) node = node[seg];
    else if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length) node = node[Number(seg)];
    else return false;
  }
  return true;
}

/** One-line rendering of a value inside an error message: strings quoted, the rest as JSON. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value) ?? String(value);
}

export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'list';
  if (isMap(value)) return 'map';
  return typeof value;
}
