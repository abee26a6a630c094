import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from './atomic-write';
import { DataError } from './data-error';

export type DvcConfig = Record<string, Record<string, string>>;

export type RemoteKind = 'local' | 'http' | 's3';
export type RemoteSource = 'option' | 'env CELLAR_DATA_REMOTE' | '.dvc/config';

export interface ResolvedRemote {
  name: string;
  /** Absolute path for local remotes, the URL otherwise. */
  url: string;
  kind: RemoteKind;
  source: RemoteSource;
  /** Other keys of the DVC remote section (e.g. `endpointurl`). */
  options: Record<string, string>;
}

/**
 * Parses the INI dialect DVC (configobj) writes: `[core]`, `['remote "name"']`
 * (also the unquoted `[remote "name"]`), `key = value`, `#`/`;` comments.
 * Section names are normalised to `remote "name"`.
 */
export function parseDvcConfig(text: string, displayPath = '.dvc/config'): DvcConfig {
  const config: DvcConfig = {};
  let section: Record<string, string> | undefined;
  const lines = text.split(/\r?\n/);
  lines.forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      let name = header[1];
      if (
        (name.startsWith("'") && name.endsWith("'")) ||
        (name.startsWith('"') && name.endsWith('"') && !name.includes(' '))
      ) {
        name = name.slice(1, -1);
      }
      name = name.replace(/\s+/g, ' ');
      section = config[name] ??= {};
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0 || !section) {
      throw new DataError(
        'INVALID_CONFIG',
        `${displayPath}: line ${i + 1}: expected '[section]' or 'key = value' (got '${line}'); fix or re-create it with 'dvc remote add'`,
        { file: displayPath, row: i + 1 },
      );
    }
    let value = line.slice(eq + 1).trim();
    if ((value.startsWith("'") && value.endsWith("'")) || (value.startsWith('"') && value.endsWith('"'))) {
      value = value.length >= 2 ? value.slice(1, -1) : value;
    }
    section[line.slice(0, eq).trim()] = value;
  });
  return config;
}

/** `.dvc/config` then `.dvc/config.local` (local wins), as DVC merges them. */
export function readDvcConfig(root: string): DvcConfig {
  const merged: DvcConfig = {};
  for (const name of ['config', 'config.local']) {
    const file = path.join(root, '.dvc', name);
    if (!fs.existsSync(file)) continue;
    const parsed = parseDvcConfig(fs.readFileSync(file, 'utf8'), `.dvc/${name}`);
    for (const [sec, values] of Object.entries(parsed)) merged[sec] = { ...merged[sec], ...values };
  }
  return merged;
}

function classify(url: string, base: string): { kind: RemoteKind; url: string } {
  if (/^s3:\/\//i.test(url)) return { kind: 's3', url };
  if (/^https?:\/\//i.test(url)) return { kind: 'http', url: url.replace(/\/+$/, '') };
  if (/^file:\/\//i.test(url)) return { kind: 'local', url: new URL(url).pathname };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new DataError(
      'UNSUPPORTED_REMOTE',
      `remote URL '${url}' is not supported; use a local path, http(s):// or s3://`,
    );
  }
  return { kind: 'local', url: path.resolve(base, url) };
}

const NO_REMOTE =
  'no data remote configured: set CELLAR_DATA_REMOTE or add one to .dvc/config (dvc remote add -d <name> <url>)';

/**
 * Precedence: `override` (a remote name from .dvc/config, or a URL/path
 * relative to root), then env CELLAR_DATA_REMOTE (relative to root), then
 * `[core] remote` of .dvc/config (relative to the .dvc/ folder, as in DVC).
 */
export function resolveRemote(
  root: string,
  env: Record<string, string | undefined> = process.env,
  override?: string,
): ResolvedRemote {
  const absRoot = path.resolve(root);
  const config = readDvcConfig(absRoot);
  const fromConfig = (name: string): ResolvedRemote | undefined => {
    const sec = config[`remote "${name}"`];
    if (!sec) return undefined;
    if (!sec.url) {
      throw new DataError(
        'INVALID_CONFIG',
        `.dvc/config: remote '${name}' has no url; run 'dvc remote modify ${name} url <url>'`,
        {
          file: '.dvc/config',
          key: `remote "${name}".url`,
        },
      );
    }
    const { url: _url, ...options } = sec;
    return { name, ...classify(sec.url, path.join(absRoot, '.dvc')), source: '.dvc/config', options };
  };
  if (override) {
    const named = fromConfig(override);
    if (named) return { ...named, source: 'option' };
    return { name: override, ...classify(override, absRoot), source: 'option', options: {} };
  }
  const fromEnv = env.CELLAR_DATA_REMOTE?.trim();
  if (fromEnv) {
    return {
      name: 'CELLAR_DATA_REMOTE',
      ...classify(fromEnv, absRoot),
      source: 'env CELLAR_DATA_REMOTE',
      options: {},
    };
  }
  const name = config.core?.remote;
  if (!name) throw new DataError('NO_REMOTE', NO_REMOTE);
  const resolved = fromConfig(name);
  if (!resolved) {
    throw new DataError(
      'UNKNOWN_REMOTE',
      `.dvc/config: core.remote names '${name}' but there is no ['remote "${name}"'] section; run 'dvc remote add -d ${name} <url>'`,
      { file: '.dvc/config', key: 'core.remote' },
    );
  }
  return resolved;
}

// ---- Editing .dvc/config as `dvc remote add|default|remove` do, keeping every other line and comment.

export interface RemoteListing {
  name: string;
  url: string;
  isDefault: boolean;
}

const CONFIG_FILE = '.dvc/config';
const REMOTE_NAME_RE = /^[a-z0-9][a-z0-9_.-]*$/;

/** Remotes of .dvc/config and .dvc/config.local, as `dvc remote list` shows them. */
export function listRemotes(root: string): RemoteListing[] {
  const config = readDvcConfig(path.resolve(root));
  const def = config.core?.remote;
  return Object.entries(config)
    .map(([sec, values]) => ({ m: /^remote "(.+)"$/.exec(sec), values }))
    .filter((x): x is { m: RegExpExecArray; values: Record<string, string> } => x.m !== null)
    .map(({ m, values }) => ({ name: m[1], url: values.url ?? '', isDefault: m[1] === def }));
}

interface SectionSpan {
  name: string;
  header: number;
  /** Index of the line after the section's last key (before trailing blanks and comments). */
  end: number;
  keys: Map<string, number>;
}

function sectionsOf(lines: string[]): SectionSpan[] {
  const spans: SectionSpan[] = [];
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[\s*(.+?)\s*\]$/.exec(line);
    if (header) {
      const sec = parseDvcConfig(`${line}\nk = v\n`, CONFIG_FILE);
      spans.push({ name: Object.keys(sec)[0], header: i, end: i + 1, keys: new Map() });
      return;
    }
    const span = spans.at(-1);
    if (!span) return;
    span.keys.set(line.slice(0, line.indexOf('=')).trim(), i);
    span.end = i + 1;
  });
  return spans;
}

/** Quotes a value the way configobj would need it read back (a '#' or ',' or outer spaces). */
function configValue(value: string): string {
  return /[#,;]|^\s|\s$|^['"]/.test(value) ? `'${value}'` : value;
}

function editConfig(root: string, edit: (lines: string[], config: DvcConfig) => void): void {
  const file = path.join(path.resolve(root), '.dvc', 'config');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const config = parseDvcConfig(text, CONFIG_FILE);
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  const lines = text === '' ? [] : text.replace(/\r?\n$/, '').split(/\r?\n/);
  edit(lines, config);
  writeFileAtomic(file, lines.length === 0 ? '' : `${lines.join(eol)}${eol}`);
}

function setKey(lines: string[], section: string, key: string, value: string, atTop: boolean): void {
  const spans = sectionsOf(lines);
  const span = spans.find((s) => s.name === section);
  const entry = `    ${key} = ${configValue(value)}`;
  if (span) {
    const at = span.keys.get(key);
    if (at !== undefined) lines[at] = `${/^\s*/.exec(lines[at])![0]}${key} = ${configValue(value)}`;
    else lines.splice(span.end, 0, entry);
    return;
  }
  const header = section.startsWith('remote ') ? `['${section}']` : `[${section}]`;
  if (atTop && spans.length > 0) lines.splice(spans[0].header, 0, header, entry);
  else lines.push(header, entry);
}

function removeKey(lines: string[], section: string, key: string): void {
  const at = sectionsOf(lines)
    .find((s) => s.name === section)
    ?.keys.get(key);
  if (at !== undefined) lines.splice(at, 1);
}

function removeSection(lines: string[], section: string): void {
  const span = sectionsOf(lines).find((s) => s.name === section);
  if (span) lines.splice(span.header, span.end - span.header);
}

function checkName(name: string): string {
  // DVC lower-cases remote names (dvc/commands/remote.py).
  const lower = name.toLowerCase();
  if (!REMOTE_NAME_RE.test(lower)) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `remote name '${name}' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit`,
    );
  }
  return lower;
}

function unknownRemote(name: string, config: DvcConfig): DataError {
  const known = Object.keys(config)
    .map((s) => /^remote "(.+)"$/.exec(s)?.[1])
    .filter((n): n is string => n !== undefined);
  return new DataError(
    'UNKNOWN_REMOTE',
    `${CONFIG_FILE}: there is no remote '${name}' (${known.length ? `known: ${known.join(', ')}` : 'none configured'}); add it with 'cellar remote add ${name} <url>'`,
    { file: CONFIG_FILE, key: `remote "${name}"` },
  );
}

/** `dvc remote add [-d] [-f] <name> <url>`. */
export function addRemote(
  root: string,
  name: string,
  url: string,
  opts: { makeDefault?: boolean; force?: boolean } = {},
): RemoteListing {
  const n = checkName(name);
  if (url.trim() === '')
    throw new DataError(
      'INVALID_ARGUMENT',
      `remote '${n}': the url is empty; give a path, s3:// or http(s):// URL`,
    );
  classify(url, path.join(path.resolve(root), '.dvc'));
  editConfig(root, (lines, config) => {
    const existing = config[`remote "${n}"`];
    if (existing && !opts.force) {
      throw new DataError(
        'REMOTE_EXISTS',
        `${CONFIG_FILE}: remote '${n}' already exists (url ${existing.url ?? 'unset'}); use --force to overwrite it`,
        { file: CONFIG_FILE, key: `remote "${n}"` },
      );
    }
    setKey(lines, `remote "${n}"`, 'url', url, false);
    if (opts.makeDefault) setKey(lines, 'core', 'remote', n, true);
  });
  return {
    name: n,
    url,
    isDefault: opts.makeDefault === true || readDvcConfig(path.resolve(root)).core?.remote === n,
  };
}

/** `dvc remote default <name>`: the remote must be configured (in .dvc/config or config.local). */
export function setDefaultRemote(root: string, name: string): void {
  const n = checkName(name);
  const merged = readDvcConfig(path.resolve(root));
  editConfig(root, (lines) => {
    if (!merged[`remote "${n}"`]) throw unknownRemote(n, merged);
    setKey(lines, 'core', 'remote', n, true);
  });
}

/** `dvc remote remove <name>`: also unsets `core.remote` when it named this remote. */
export function removeRemote(root: string, name: string): void {
  const n = checkName(name);
  editConfig(root, (lines, config) => {
    if (!config[`remote "${n}"`]) throw unknownRemote(n, config);
    removeSection(lines, `remote "${n}"`);
    if (config.core?.remote === n) removeKey(lines, 'core', 'remote');
  });
}
