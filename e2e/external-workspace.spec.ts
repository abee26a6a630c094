// The proof that Cellar is a product: a new Nx workspace that is not this repository installs the
// packed tarballs, runs the README's "Add Cellar to your Nx workspace" lines, and gets a trained,
// cached, affected-aware pipeline.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createExternalWorkspace, readmeCommands, type ExternalWorkspace } from './external-workspace';

let x: ExternalWorkspace;
let ws = '';
let root = '';
const sh = (line: string) => x.sh(line);
const git = (...args: string[]) => x.git(...args);

beforeAll(() => {
  x = createExternalWorkspace();
  ({ ws, root } = x);
}, 600_000);

afterAll(() => x?.dispose());

describe('Cellar in a new Nx workspace, installed from packed tarballs', () => {
  let firstRun = '';

  it("runs the README's lines: init, data add, pipeline generator, run-many -t notify", () => {
    const lines = readmeCommands('Add Cellar to your Nx workspace');
    expect(lines.at(-1)).toBe('npx nx run-many -t notify --output-style=static');
    for (const line of lines) {
      const r = sh(x.localInstall(line));
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

describe("the Docker image's runtime workspace (tools/docker/assemble-runtime.sh, as the Dockerfile runs it)", () => {
  it('runs the example pipelines from the compiled packages with production dependencies only', () => {
    const app = join(root, 'app');
    const repo = join(__dirname, '..');
    const assemble = sh(
      `sh ${repo}/tools/docker/assemble-runtime.sh ${repo} ${join(root, 'packs')} ${app} --prefer-offline --ignore-scripts` +
        ` && cp -r ${repo}/node_modules/better-sqlite3/build ${app}/node_modules/better-sqlite3/build`,
    );
    expect(assemble.code, assemble.output).toBe(0);
    const dockerfile = readFileSync(join(repo, 'Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]) as string[];
    expect(cmd).toEqual(['npx', 'nx', 'run-many', '-t', 'notify', '--output-style=static']);
    const r = spawnSync(cmd[0], cmd.slice(1), {
      cwd: app,
      env: { ...x.env, NX_CACHE_DIRECTORY: join(app, '.nx/cache'), CELLAR_GIT_COMMIT: 'c0ffee1234' },
      encoding: 'utf8',
    });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.match(/^■ wine-/gm)).toHaveLength(3);
    for (const dev of ['@swc-node/register', 'typescript', 'vitest', 'husky']) {
      expect(existsSync(join(app, 'node_modules', dev)), dev).toBe(false);
    }
    const runs = spawnSync('npx', ['cellar', 'runs', 'ls', '--json'], {
      cwd: app,
      env: x.env,
      encoding: 'utf8',
    });
    expect(runs.status, runs.stderr).toBe(0);
    const listed = JSON.parse(runs.stdout) as { runs: Array<{ tags: Record<string, string> }> };
    expect(listed.runs.map((run) => run.tags.git_commit)).toEqual(['c0ffee1234', 'c0ffee1234', 'c0ffee1234']);
  });
});

describe('the installed cache server (compiled, uploads validated)', () => {
  it('starts from node_modules, answers /healthz and refuses a body that is not a gzipped tar', async () => {
    const bin = join(ws, 'node_modules/@cellar/cache-server/bin/cellar-cache-server.js');
    const child = spawn(
      process.execPath,
      [bin, '--port', '0', '--insecure-no-auth', '--storage', `dir:${join(root, 'nx-cache')}`],
      { cwd: ws, env: x.env },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c: Buffer) => {
          out += c;
          const m = /"url":"(http:[^"]+)"/.exec(out);
          if (m) resolve(m[1]);
        });
        child.on('exit', (code) => reject(new Error(`cache server exited ${code}: ${out}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const put = await fetch(`${url}/v1/cache/12345678901234567890`, { method: 'PUT', body: 'not a tar' });
      expect(put.status).toBe(400);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
