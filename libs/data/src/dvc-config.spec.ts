import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDvcConfig, resolveRemote } from './dvc-config';
import { makeWorkspace, REPO_ROOT, EXAMPLE_REMOTE } from './test-utils';

describe('parseDvcConfig', () => {
  it('parses the configobj form DVC writes', () => {
    const text = `[core]\n    remote = shared\n    autostage = true\n['remote "shared"']\n    url = ../../shared/dvc-remote\n# comment\n[remote "s3"]\n    url = s3://bucket/prefix\n    endpointurl = 'http://localhost:9000'\n`;
    expect(parseDvcConfig(text)).toEqual({
      core: { remote: 'shared', autostage: 'true' },
      'remote "shared"': { url: '../../shared/dvc-remote' },
      'remote "s3"': { url: 's3://bucket/prefix', endpointurl: 'http://localhost:9000' },
    });
    expect(() => parseDvcConfig('[core]\nremote\n')).toThrow(
      ".dvc/config: line 2: expected '[section]' or 'key = value' (got 'remote'); fix or re-create it with 'dvc remote add'",
    );
  });
});

describe('resolveRemote', () => {
  it("resolves the repo's own remote relative to .dvc/", () => {
    expect(resolveRemote(REPO_ROOT, {})).toEqual({
      name: 'example',
      url: EXAMPLE_REMOTE,
      kind: 'local',
      source: '.dvc/config',
      options: {},
    });
  });

  it('lets config.local, env and the option override, in that order', () => {
    const root = makeWorkspace({
      '.dvc/config': `[core]\n    remote = a\n['remote "a"']\n    url = ../store-a\n['remote "b"']\n    url = https://example.test/dvc/\n`,
      '.dvc/config.local': `['remote "a"']\n    url = /abs/store\n`,
    });
    expect(resolveRemote(root, {}).url).toBe('/abs/store');
    expect(resolveRemote(root, { CELLAR_DATA_REMOTE: 'rel/store' })).toEqual({
      name: 'CELLAR_DATA_REMOTE',
      url: path.join(root, 'rel/store'),
      kind: 'local',
      source: 'env CELLAR_DATA_REMOTE',
      options: {},
    });
    expect(resolveRemote(root, { CELLAR_DATA_REMOTE: 's3://bkt/p' }).kind).toBe('s3');
    expect(resolveRemote(root, { CELLAR_DATA_REMOTE: 'rel' }, 'b')).toMatchObject({
      name: 'b',
      url: 'https://example.test/dvc',
      kind: 'http',
      source: 'option',
    });
  });

  it('explains what to do when nothing is configured', () => {
    const root = makeWorkspace({ 'x.txt': '' });
    expect(() => resolveRemote(root, {})).toThrow(
      'no data remote configured: set CELLAR_DATA_REMOTE or add one to .dvc/config (dvc remote add -d <name> <url>)',
    );
    const dangling = makeWorkspace({ '.dvc/config': '[core]\n    remote = gone\n' });
    expect(() => resolveRemote(dangling, {})).toThrow(
      `.dvc/config: core.remote names 'gone' but there is no ['remote "gone"'] section; run 'dvc remote add -d gone <url>'`,
    );
    expect(() => resolveRemote(root, { CELLAR_DATA_REMOTE: 'gs://bucket' })).toThrow(
      "remote URL 'gs://bucket' is not supported; use a local path, http(s):// or s3://",
    );
  });
});
