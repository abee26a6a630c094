import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CacheServerError } from './errors';
import { hashTokens, loadTokensFile, matchToken, readBearer, readTokensFromEnv } from './tokens';

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-tokens-'));

describe('loadTokensFile', () => {
  it('reads YAML and JSON', () => {
    const dir = tmp();
    fs.writeFileSync(
      path.join(dir, 't.yaml'),
      'tokens:\n  - { name: ci-main, token: abc, access: read-write }\n  - { name: pr, token: def, access: read }\n  - { name: ops, token: ghi, access: admin }\n',
    );
    fs.writeFileSync(
      path.join(dir, 't.json'),
      JSON.stringify({ tokens: [{ name: 'pr', token: 'def', access: 'read' }] }),
    );
    expect(loadTokensFile(path.join(dir, 't.yaml'))).toEqual([
      { name: 'ci-main', token: 'abc', access: 'read-write' },
      { name: 'pr', token: 'def', access: 'read' },
      { name: 'ops', token: 'ghi', access: 'admin' },
    ]);
    expect(loadTokensFile(path.join(dir, 't.json'))).toEqual([{ name: 'pr', token: 'def', access: 'read' }]);
  });

  it('names the file and key path of a bad entry', () => {
    const file = path.join(tmp(), 't.yaml');
    fs.writeFileSync(file, 'tokens:\n  - { name: ci, token: abc, access: write }\n');
    let err: unknown;
    try {
      loadTokensFile(file);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CacheServerError);
    expect((err as CacheServerError).code).toBe('TOKENS_FILE');
    expect((err as CacheServerError).key).toBe('tokens.0.access');
    expect((err as Error).message).toMatch(
      new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: tokens\\.0\\.access: `),
    );
    expect((err as Error).message).not.toContain('\n');
  });

  it('reports a missing file in one line', () => {
    expect(() => loadTokensFile('/nonexistent/tokens.yaml')).toThrow(
      '/nonexistent/tokens.yaml: cannot read tokens file (ENOENT); check the --tokens path',
    );
  });
});

describe('readTokensFromEnv', () => {
  it('reads name:token and plain tokens', () => {
    expect(
      readTokensFromEnv({
        CELLAR_CACHE_READ_TOKENS: 'pr:aaa, bbb',
        CELLAR_CACHE_WRITE_TOKENS: 'ci:c:c',
        CELLAR_CACHE_ADMIN_TOKENS: 'ddd',
      }),
    ).toEqual([
      { name: 'pr', token: 'aaa', access: 'read' },
      { name: 'read-2', token: 'bbb', access: 'read' },
      { name: 'ci', token: 'c:c', access: 'read-write' },
      { name: 'admin-1', token: 'ddd', access: 'admin' },
    ]);
    expect(readTokensFromEnv({})).toEqual([]);
    expect(() => readTokensFromEnv({ CELLAR_CACHE_WRITE_TOKENS: 'ci:' })).toThrow(
      "CELLAR_CACHE_WRITE_TOKENS: entry 1 ('ci:') has an empty token",
    );
  });
});

describe('matchToken', () => {
  const entries = hashTokens([
    { name: 'ci', token: 'secret-one', access: 'read-write' },
    { name: 'pr', token: 'secret-two', access: 'read' },
  ]);
  it('finds the right entry and keeps only digests', () => {
    expect(matchToken(entries, 'secret-two')?.name).toBe('pr');
    expect(matchToken(entries, 'secret-one')?.access).toBe('read-write');
    expect(matchToken(entries, 'secret-on')).toBeUndefined();
    expect(matchToken(entries, '')).toBeUndefined();
    expect(JSON.stringify(entries)).not.toContain('secret');
  });
  it('parses bearer headers', () => {
    expect(readBearer('Bearer abc')).toBe('abc');
    expect(readBearer('bearer abc ')).toBe('abc');
    expect(readBearer('Basic abc')).toBeUndefined();
    expect(readBearer(undefined)).toBeUndefined();
  });
});
