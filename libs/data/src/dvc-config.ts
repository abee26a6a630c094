import * as fs from 'node:fs';
import * as path from 'node:path';
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
