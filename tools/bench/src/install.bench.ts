// Cellar as npm users get it: a new Nx workspace with the packed packages installed (compiled JS).
// - all-cached `nx run-many -t notify` over three pipelines, against a bare Nx workspace with the same
//   targets as no-op commands (train + evaluate cached, data:pull + notify always run): Nx's own floor;
// - executor start: loading an executor from compiled JS against transpiling its sources at start
//   (what Nx does for a local plugin, as in this repository).
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createExternalWorkspace, readmeCommands } from '../../../e2e/external-workspace';

const REPO = join(__dirname, '../../..');
const REPS = Math.max(5, Number(process.env.BENCH_REPS ?? 7));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function time(cwd: string, cmd: string[], env: NodeJS.ProcessEnv): number {
  const t0 = performance.now();
  const r = spawnSync(cmd[0], cmd.slice(1), { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd.join(' ')} failed in ${cwd}:\n${r.stdout}${r.stderr}`);
  return (performance.now() - t0) / 1000;
}

/** Interleaved runs of several commands, so each sees the same machine load. */
function interleave(reps: number, runs: Array<() => number>): number[][] {
  const out = runs.map(() => [] as number[]);
  for (let i = 0; i < reps; i++) runs.forEach((run, j) => out[j].push(run()));
  return out;
}

/** Shares the external workspace's node_modules: the same nx install. */
function bareWorkspace(dir: string, nodeModules: string, env: NodeJS.ProcessEnv): void {
  mkdirSync(dir, { recursive: true });
  symlinkSync(nodeModules, join(dir, 'node_modules'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'bare', private: true }));
  writeFileSync(join(dir, 'nx.json'), JSON.stringify({ analytics: false }));
  const noop = (cache: boolean, dependsOn?: unknown[]) => ({
    command: 'node -e 0',
    cache,
    ...(dependsOn ? { dependsOn } : {}),
    ...(cache ? { inputs: ['{projectRoot}/project.json'], outputs: [] } : {}),
  });
  const project = (name: string, targets: Record<string, unknown>) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'project.json'), JSON.stringify({ name, targets }));
  };
  project('data', { pull: noop(false) });
  for (const p of ['a', 'b', 'c']) {
    project(p, {
      train: noop(true, [{ projects: ['data'], target: 'pull' }]),
      evaluate: noop(true, ['train']),
      notify: noop(false, ['evaluate']),
    });
  }
  const nx = join(dir, 'node_modules/nx/dist/bin/nx.js');
  const r = spawnSync(process.execPath, [nx, 'run-many', '-t', 'notify'], {
    cwd: dir,
    env,
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stdout + r.stderr);
}

function main() {
  const x = createExternalWorkspace();
  try {
    for (const line of readmeCommands('Add Cellar to your Nx workspace')) {
      const r = x.sh(x.localInstall(line));
      if (r.code !== 0) throw new Error(`${line}\n${r.output}`);
    }
    // Three pipelines, as in this repository's example.
    for (const model of ['random_forest', 'gradient_boosting']) {
      copyFileSync(join(REPO, `configs/model/${model}.yaml`), join(x.ws, `configs/model/${model}.yaml`));
      const r = x.sh(`npx nx g @cellar/nx:pipeline iris-${model.replace('_', '-')} --model=${model}`);
      if (r.code !== 0) throw new Error(r.output);
    }
    const nx = join(x.ws, 'node_modules/nx/dist/bin/nx.js');
    const runMany = [process.execPath, nx, 'run-many', '-t', 'notify'];
    time(x.ws, runMany, x.env); // fills the cache
    const bare = join(x.root, 'bare');
    const bareEnv = { ...x.env, NX_CACHE_DIRECTORY: join(bare, '.nx/cache') };
    bareWorkspace(bare, join(x.ws, 'node_modules'), bareEnv);
    const noIsolation = { ...x.env, NX_ISOLATE_PLUGINS: 'false' };
    const [cellar, cellarNoIso, bareNx] = interleave(REPS, [
      () => time(x.ws, runMany, x.env),
      () => time(x.ws, runMany, noIsolation),
      () => time(bare, runMany, bareEnv),
    ]);

    // Executor start: the notify executor and everything it imports.
    const compiled = join(x.ws, 'node_modules/@cellar/nx/dist/executors/notify/executor.js');
    const source = join(REPO, 'libs/nx/src/executors/notify/executor.ts');
    const sourceEnv = { ...process.env, SWC_NODE_PROJECT: join(REPO, 'tsconfig.json') };
    const [js, ts, empty] = interleave(REPS, [
      () => time(x.ws, [process.execPath, '-e', `require(${JSON.stringify(compiled)})`], process.env),
      () =>
        time(
          REPO,
          [process.execPath, '-r', '@swc-node/register', '-e', `require(${JSON.stringify(source)})`],
          sourceEnv,
        ),
      () => time(REPO, [process.execPath, '-e', '0'], process.env),
    ]);

    const s = (v: number) => `${v.toFixed(2)} s`;
    const ms = (v: number) => `${Math.round(v * 1000)} ms`;
    console.log(`Installed from tarballs, medians of ${REPS} interleaved runs\n`);
    console.log('| what | median | ratio |');
    console.log('| --- | ---: | --- |');
    console.log(
      `| bare Nx: 10 no-op targets (6 cached), \`run-many -t notify\` | ${s(median(bareNx))} | 1.00× |`,
    );
    console.log(
      `| Cellar installed, 3 pipelines all cached, \`run-many -t notify\` (Nx default plugin isolation) | ${s(median(cellar))} | ${(median(cellar) / median(bareNx)).toFixed(2)}× of bare Nx (goal ≤ 1.3×) |`,
    );
    console.log(
      `| the same with \`NX_ISOLATE_PLUGINS=false\` | ${s(median(cellarNoIso))} | ${(median(cellarNoIso) / median(bareNx)).toFixed(2)}× of bare Nx |`,
    );
    console.log(`| \`node -e 0\` | ${ms(median(empty))} | |`);
    console.log(
      `| load the notify executor, compiled JS (installed) | ${ms(median(js))} | ${(median(js) / median(ts)).toFixed(2)}× of transpiling |`,
    );
    console.log(
      `| load the notify executor, TypeScript through swc at start (this repo) | ${ms(median(ts))} | 1.00× |`,
    );
  } finally {
    x.dispose();
  }
}

main();
