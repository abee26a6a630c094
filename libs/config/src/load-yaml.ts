import * as fs from 'node:fs';
import * as path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './config-error';
import { findReservedKey, isMap, kindOf, reservedKeyError, type Tree } from './tree';

/** Forward-slash path relative to the root, as used in messages and `sources`. */
export function toRelative(root: string, file: string): string {
  const abs = path.resolve(root, file);
  return path.relative(root, abs).split(path.sep).join('/');
}

/** Parses YAML text; `file` is only used in messages. Syntax errors become one-line ConfigErrors. */
export function parseYaml(text: string, file: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true, merge: true, lineCounter });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    const where = pos.line > 0 ? ` at line ${pos.line}, column ${pos.col}` : '';
    const reason = err.message.split('\n')[0].replace(/ at line \d+, column \d+:?\s*$/, '');
    throw new ConfigError(
      'YAML_SYNTAX',
      `${file}: YAML syntax error${where}: ${reason} (fix the YAML and retry)`,
      { file },
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // yaml throws a ReferenceError without a file name when aliases expand past the limit.
    if (e instanceof ReferenceError)
      throw new ConfigError(
        'YAML_ALIAS_LIMIT',
        `${file}: YAML aliases expand past the limit of 1000 (the file looks like an alias bomb; use fewer nested *alias references)`,
        { file },
      );
    throw e;
  }
}

// Parsed files by absolute path, reused while the file's text is unchanged: a sweep composes the
// same base, data and model files for every point (15 points, 45 parses of 3 files before).
// Values are deep-frozen, since every caller shares them.
const parsed = new Map<string, { text: string; value: Tree }>();
const MAX_PARSED = 64;

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

/**
 * Reads `<root>/<file>` as a YAML mapping; an empty file is an empty mapping. The result is frozen
 * and shared with other callers that read the same text: copy it before changing anything.
 */
export function loadYamlMap(root: string, file: string): Tree {
  const rel = toRelative(root, file);
  const abs = path.resolve(root, file);
  let text: string;
  try {
    text = fs.readFileSync(abs, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ConfigError('FILE_NOT_FOUND', `${rel}: file does not exist (create it or fix the path)`, {
        file: rel,
      });
    throw new ConfigError('FILE_NOT_FOUND', `${rel}: cannot read file (${code ?? String(e)})`, { file: rel });
  }
  const known = parsed.get(abs);
  if (known?.text === text) return known.value;
  const map = deepFreeze(toMap(parseYaml(text, rel), rel));
  if (parsed.size >= MAX_PARSED) parsed.clear();
  parsed.set(abs, { text, value: map });
  return map;
}

function toMap(value: unknown, rel: string): Tree {
  if (value === null || value === undefined) return {};
  if (!isMap(value)) {
    throw new ConfigError(
      'NOT_A_MAPPING',
      `${rel}: top level must be a mapping of keys to values (got a ${kindOf(value)})`,
      { file: rel },
    );
  }
  const reserved = findReservedKey(value);
  if (reserved !== undefined) throw reservedKeyError(rel, reserved, rel);
  return value;
}
