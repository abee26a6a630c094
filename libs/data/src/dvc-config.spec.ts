import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addRemote,
  listRemotes,
  parseDvcConfig,
  removeRemote,
  resolveRemote,
  setDefaultRemote,
} from './dvc-config';
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

describe('editing .dvc/config like dvc remote', () => {
  const read = (root: string) => fs.readFileSync(path.join(root, '.dvc/config'), 'utf8');

  it('adds, defaults and removes remotes, keeping other sections and comments', () => {
    const root = makeWorkspace({
      '.dvc/config': `# team settings\n[core]\n    autostage = true\n['remote "example"']\n    url = ../data/remote\n    # keep me\n\n[cache]\n    type = copy\n`,
    });
    addRemote(root, 'Store', '/srv/dvc');
    expect(read(root)).toBe(
      `# team settings\n[core]\n    autostage = true\n['remote "example"']\n    url = ../data/remote\n    # keep me\n\n[cache]\n    type = copy\n['remote "store"']\n    url = /srv/dvc\n`,
    );
    setDefaultRemote(root, 'store');
    expect(read(root)).toContain(`[core]\n    autostage = true\n    remote = store\n['remote "example"']`);
    expect(resolveRemote(root, {})).toMatchObject({ name: 'store', url: '/srv/dvc', kind: 'local' });
    expect(listRemotes(root)).toEqual([
      { name: 'example', url: '../data/remote', isDefault: false },
      { name: 'store', url: '/srv/dvc', isDefault: true },
    ]);
    addRemote(root, 'example', 's3://bucket/team#1', { force: true, makeDefault: true });
    expect(read(root)).toContain(`['remote "example"']\n    url = 's3://bucket/team#1'\n    # keep me\n`);
    expect(resolveRemote(root, {})).toMatchObject({ name: 'example', url: 's3://bucket/team#1', kind: 's3' });
    removeRemote(root, 'example');
    expect(read(root)).toBe(
      `# team settings\n[core]\n    autostage = true\n    # keep me\n\n[cache]\n    type = copy\n['remote "store"']\n    url = /srv/dvc\n`,
    );
    expect(() => resolveRemote(root, {})).toThrow(/^no data remote configured/);
  });

  it('writes what dvc remote add -d writes into an empty config, and names what is wrong', () => {
    const root = makeWorkspace();
    addRemote(root, 'shared', '../dvc-remote', { makeDefault: true });
    // The shape of this repository's own .dvc/config, written by dvc: core first.
    expect(read(root)).toBe(`[core]\n    remote = shared\n['remote "shared"']\n    url = ../dvc-remote\n`);
    expect(parseDvcConfig(read(root))).toEqual({
      core: { remote: 'shared' },
      'remote "shared"': { url: '../dvc-remote' },
    });
    expect(() => addRemote(root, 'shared', '/x')).toThrow(
      ".dvc/config: remote 'shared' already exists (url ../dvc-remote); use --force to overwrite it",
    );
    expect(() => setDefaultRemote(root, 'nope')).toThrow(
      ".dvc/config: there is no remote 'nope' (known: shared); add it with 'cellar remote add nope <url>'",
    );
    expect(() => removeRemote(root, 'nope')).toThrow(/^\.dvc\/config: there is no remote 'nope'/);
    expect(() => addRemote(root, 'a b', '/x')).toThrow(
      "remote name 'a b' is not valid: use letters, digits, '.', '_' and '-', starting with a letter or digit",
    );
    expect(() => addRemote(root, 'g', 'gs://bucket')).toThrow(/^remote URL 'gs:\/\/bucket' is not supported/);
    expect(fs.readdirSync(path.join(root, '.dvc'))).toEqual(['config']);
  });
});
