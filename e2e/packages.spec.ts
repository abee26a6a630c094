// Every publishable package stands on its own: compiled entry points, declared dependencies for
// everything its code imports, no devDependency at run time, a licence and a file list.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './workspace';

interface Manifest {
  name: string;
  private?: boolean;
  license?: string;
  main?: string;
  types?: string;
  exports?: Record<string, unknown>;
  files?: string[];
  engines?: Record<string, string>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

function workspaces(): Array<{ dir: string; manifest: Manifest }> {
  const root = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { workspaces: string[] };
  return root.workspaces.flatMap((pattern) => {
    const parent = join(REPO, pattern.replace(/\/\*$/, ''));
    return readdirSync(parent)
      .map((d) => join(parent, d))
      .filter((d) => {
        try {
          return statSync(join(d, 'package.json')).isFile();
        } catch {
          return false;
        }
      })
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }));
  });
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.spec.ts') && !f.endsWith('.d.ts'))
    .filter((f) => !/(^|\/)(testing|e2e)\//.test(f) && !/(^|\/)test-[\w-]+\.ts$/.test(f))
    .map((f) => join(dir, f));
}

const IMPORT = /(?:from\s+|import\(\s*|require\(\s*)'([^'./][^']*)'/g;
// A file of a package that a server sends (require.resolve('uplot/dist/x.js')) is a run-time need too;
// resolving a bare name (a require hook for running from source) is not.
const SERVED_FILE = /require\.resolve\(\s*'([^'./][^']*\/[^']+\.(?:js|css))'/g;
// A package a worker thread loads by path (pg in libs/tracking's synchronous PostgreSQL facade).
const WORKER_LOAD = /createRequire\([^)]*\)\.resolve\(\s*'([^'./][^']*)'/g;

function importedPackages(dir: string): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(join(dir, 'src'))) {
    const text = readFileSync(file, 'utf8').replace(/^\s*(import|export) type .*$/gm, '');
    for (const [, spec] of [
      ...text.matchAll(IMPORT),
      ...text.matchAll(SERVED_FILE),
      ...text.matchAll(WORKER_LOAD),
    ]) {
      if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
      const parts = spec.split('/');
      names.add(spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]);
    }
  }
  return names;
}

const publishable = workspaces().filter((w) => !w.manifest.private);

describe('publishable packages', () => {
  it('are the plugin, the libraries it runs, the CLI and the cache server', () => {
    expect(publishable.map((w) => w.manifest.name).sort()).toEqual(
      expect.arrayContaining([
        '@cellar/cache-server',
        '@cellar/cli',
        '@cellar/config',
        '@cellar/data',
        '@cellar/modeling',
        '@cellar/nx',
        '@cellar/tracking',
      ]),
    );
  });

  for (const { dir, manifest: m } of publishable) {
    const where = relative(REPO, dir);
    it(`${m.name} (${where}) points at compiled JS and declares every package its code imports`, () => {
      expect(m.license).toBe('MIT');
      expect(m.main).toBe('./dist/index.js');
      expect(m.types).toBe('./dist/index.d.ts');
      expect(m.exports?.['.']).toEqual({ types: './dist/index.d.ts', default: './dist/index.js' });
      expect(m.files).toEqual(expect.arrayContaining(['dist', 'README.md', 'LICENSE']));
      expect(m.engines?.node).toBe('>=20.19');
      // `nx` is a peer because Nx runs the plugin, not because its code imports it.
      const { nx: _host, ...peers } = m.peerDependencies ?? {};
      const declared = { ...m.dependencies, ...peers };
      // Exactly what the code imports: nothing missing, nothing carried along unused.
      expect(Object.keys(declared).sort(), `${where}/package.json dependencies + peerDependencies`).toEqual(
        [...importedPackages(dir)].sort(),
      );
    });
  }

  it('@cellar/nx takes nx and @nx/devkit from the workspace (peers), never bundles them', () => {
    const nx = publishable.find((w) => w.manifest.name === '@cellar/nx')!.manifest;
    expect(Object.keys(nx.peerDependencies ?? {}).sort()).toEqual(['@nx/devkit', 'nx']);
    expect(nx.dependencies?.nx).toBeUndefined();
  });
});
