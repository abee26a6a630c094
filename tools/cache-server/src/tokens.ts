import { createHash, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CacheServerError } from './errors';

/** `admin` can also DELETE entries; each level includes the ones before it. */
export type TokenAccess = 'read' | 'read-write' | 'admin';

export const canWrite = (access: TokenAccess): boolean => access !== 'read';
export const canDelete = (access: TokenAccess): boolean => access === 'admin';

export interface AccessToken {
  name: string;
  token: string;
  access: TokenAccess;
}

/** A token as kept in memory: only its sha256 digest, never the secret. */
export interface TokenEntry {
  name: string;
  access: TokenAccess;
  digest: Buffer;
}

const tokensFileSchema = z.object({
  tokens: z
    .array(
      z.object({
        name: z.string().min(1),
        token: z.string().min(1),
        access: z.enum(['read', 'read-write', 'admin']),
      }),
    )
    .min(1),
});

/** Reads `{ tokens: [{ name, token, access }] }` from a YAML or JSON file. */
export function loadTokensFile(file: string): AccessToken[] {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new CacheServerError(
      'TOKENS_FILE',
      `${file}: cannot read tokens file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the --tokens path`,
      { file },
    );
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const firstLine = String((err as Error).message).split('\n')[0];
    throw new CacheServerError('TOKENS_FILE', `${file}: not valid YAML/JSON (${firstLine})`, { file });
  }
  const parsed = tokensFileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    throw new CacheServerError(
      'TOKENS_FILE',
      `${file}: ${key}: ${issue.message}; expected { tokens: [{ name, token, access: read | read-write | admin }] }`,
      { file, key },
    );
  }
  return parsed.data.tokens;
}

/**
 * Reads CELLAR_CACHE_READ_TOKENS / CELLAR_CACHE_WRITE_TOKENS / CELLAR_CACHE_ADMIN_TOKENS: comma lists
 * of `name:token` or plain tokens (named `read-<n>` / `write-<n>` / `admin-<n>`).
 */
export function readTokensFromEnv(env: NodeJS.ProcessEnv = process.env): AccessToken[] {
  const out: AccessToken[] = [];
  const lists: [string, TokenAccess, string][] = [
    ['CELLAR_CACHE_READ_TOKENS', 'read', 'read'],
    ['CELLAR_CACHE_WRITE_TOKENS', 'read-write', 'write'],
    ['CELLAR_CACHE_ADMIN_TOKENS', 'admin', 'admin'],
  ];
  for (const [variable, access, prefix] of lists) {
    const items = (env[variable] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    items.forEach((item, i) => {
      const colon = item.indexOf(':');
      const name = colon > 0 ? item.slice(0, colon) : `${prefix}-${i + 1}`;
      const token = colon > 0 ? item.slice(colon + 1) : item;
      if (token.length === 0) {
        throw new CacheServerError(
          'BAD_OPTION',
          `${variable}: entry ${i + 1} ('${name}:') has an empty token`,
          {
            key: variable,
          },
        );
      }
      out.push({ name, token, access });
    });
  }
  return out;
}

function digestOf(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function hashTokens(tokens: readonly AccessToken[]): TokenEntry[] {
  return tokens.map((t) => ({ name: t.name, access: t.access, digest: digestOf(t.token) }));
}

/**
 * Finds the token matching `presented`. Digests have a fixed length, so timingSafeEqual never leaks
 * the secret's length, and every entry is compared (no early exit).
 */
export function matchToken(entries: readonly TokenEntry[], presented: string): TokenEntry | undefined {
  const digest = digestOf(presented);
  let found: TokenEntry | undefined;
  for (const entry of entries) {
    if (timingSafeEqual(entry.digest, digest) && found === undefined) found = entry;
  }
  return found;
}

/** Extracts the token from `Authorization: Bearer <token>`; undefined when absent or malformed. */
export function readBearer(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
