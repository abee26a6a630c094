import { describe, expect, it } from 'vitest';
import { parseCliArgs } from './cli';

describe('parseCliArgs', () => {
  it('reads the limits and the benchmark-only switch', () => {
    const { options } = parseCliArgs(
      ['--insecure-no-auth', '--request-timeout', '5m', '--max-connections', '64', '--bench-unverified'],
      {},
      '/srv',
    );
    expect(options).toMatchObject({ requestTimeoutMs: 300_000, maxConnections: 64, verify: false });
    expect(parseCliArgs(['--insecure-no-auth'], {}, '/srv').options).toMatchObject({
      requestTimeoutMs: 600_000,
      maxConnections: 512,
      verify: true,
    });
    expect(() => parseCliArgs(['--max-connections', '0'], {}, '/srv')).toThrow(
      "--max-connections must be a positive integer (got '0')",
    );
  });

  it('reads purge: hashes, --invalid, --quarantine, and refuses an empty request', () => {
    expect(parseCliArgs(['purge', '--storage', 'dir:cache', 'abc', '123'], {}, '/srv')).toEqual({
      help: false,
      verbose: false,
      options: { storage: { kind: 'dir', path: '/srv/cache' } },
      purge: { hashes: ['abc', '123'], invalid: false, quarantine: false },
    });
    expect(parseCliArgs(['purge', '--invalid', '--quarantine'], {}, '/srv').purge).toEqual({
      hashes: [],
      invalid: true,
      quarantine: true,
    });
    expect(() => parseCliArgs(['purge'], {}, '/srv')).toThrow(
      'purge: name the entries to remove, or pass --invalid or --quarantine; see --help',
    );
    expect(() => parseCliArgs(['purge', '--max-body', '1'], {}, '/srv')).toThrow(/^purge: .*; see --help$/);
  });
});
