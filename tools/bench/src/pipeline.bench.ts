// Wall times of whole Nx runs and of the sweep, against scikit-learn's sequential grid measured here.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadSweep } from '@cellar/config';
import { runSweepJob } from '@cellar/pipeline';
import { detectGitCommit } from '@cellar/tracking';
import { createTempWorkspace, REPO, WINE_CSV, type TempWorkspace } from '../../../e2e/workspace';
// @ts-expect-error -- plain ESM script shared with `npm run build`
import { buildPackages, packPackages } from '../../scripts/build-packages.mjs';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (s: number) => `${s.toFixed(2)} s`;

function timed(ws: TempWorkspace, args: string[], env: NodeJS.ProcessEnv = {}): number {
  const t0 = performance.now();
  const r = ws.nx(args, env);
  if (r.code !== 0) throw new Error(`nx ${args.join(' ')} failed:\n${r.output}`);
  return (performance.now() - t0) / 1000;
}

async function main() {
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const rows: string[][] = [];

  // 1. cold single pipeline: fresh copy, empty Nx cache, dataset not yet pulled
  const cold: number[] = [];
  for (let i = 0; i < reps; i++) {
    const ws = createTempWorkspace('cellar-bench-cold-');
    try {
      cold.push(timed(ws, ['run', 'wine-logreg:notify']));
    } finally {
      ws.dispose();
    }
  }
  rows.push([
    'cold `nx run wine-logreg:notify` (pull + train + evaluate + notify)',
    fmt(median(cold)),
    '',
    '',
  ]);

  // 2. all-cached run-many and 3. the sweep, in one warm workspace
  const ws = createTempWorkspace('cellar-bench-warm-');
  try {
    timed(ws, ['run-many', '-t', 'notify']);
    const cached = Array.from({ length: reps + 2 }, () => timed(ws, ['run-many', '-t', 'notify']));
    const isolated = Array.from({ length: reps + 2 }, () =>
      timed(ws, ['run-many', '-t', 'notify'], { NX_ISOLATE_PLUGINS: 'true' }),
    );
    rows.push([
      'all-cached `nx run-many -t notify` (3 pipelines), `NX_ISOLATE_PLUGINS=false`',
      fmt(median(cached)),
      '',
      '',
    ]);
    rows.push([
      'all-cached `nx run-many -t notify` (3 pipelines), Nx default plugin isolation',
      fmt(median(isolated)),
      '',
      '',
    ]);

    // Sweep points are cached Nx tasks: a cold sweep (--skip-nx-cache) fits every point, batched in
    // warm processes; --batch=false --parallel=1 is one process per point, one at a time. Each cold
    // sweep is followed by one scikit-learn grid, so that both see the same machine (this 2-core VM's
    // speed drifts by a fifth over minutes).
    const skRuns: number[] = [];
    const skCommands: number[] = [];
    let skVersion = '';
    // The same sweep where Cellar is installed from its packed packages: what a user's workspace and
    // the Docker image run. There Nx finds the plugin under node_modules and loads no TypeScript.
    const installed = installedWorkspace(ws.env);
    const sweepInstalled: number[] = [];
    const sweepNx = Array.from({ length: reps }, () => {
      const t = timed(ws, ['run', 'wine-experiments:sweep', '--skip-nx-cache']);
      sweepInstalled.push(installed.sweep());
      const one = sklearnGrid();
      if (one) {
        skRuns.push(one.grid);
        skCommands.push(one.command);
        skVersion = one.version;
      }
      return t;
    });
    // Outside CI Nx runs a daemon that keeps the project graph between commands (NX_DAEMON=false
    // everywhere else here, as in CI).
    const daemon = { NX_DAEMON: 'true' };
    timed(ws, ['run', 'wine-experiments:sweep'], daemon); // starts the daemon
    // Each followed by a scikit-learn grid too: the ratio compares runs of the same minutes.
    const skDaemon: number[] = [];
    const sweepDaemon = Array.from({ length: reps }, () => {
      const t = timed(ws, ['run', 'wine-experiments:sweep', '--skip-nx-cache'], daemon);
      const one = sklearnGrid();
      if (one) skDaemon.push(one.grid);
      return t;
    });
    ws.nx(['daemon', '--stop'], daemon);
    const sweepNx1 = Array.from({ length: reps }, () =>
      timed(ws, ['run', 'wine-experiments:sweep', '--skip-nx-cache', '--batch=false', '--parallel=1']),
    );
    const sweepCached = Array.from({ length: reps }, () => timed(ws, ['run', 'wine-experiments:sweep']));
    const spec = loadSweep(ws.root, 'wine-grid');
    const gitCommit = detectGitCommit(ws.root);
    const sequential: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t0 = performance.now();
      for (const [index, run] of spec.runs.entries()) {
        const r = await runSweepJob(ws.root, {
          index,
          sweep: spec.name,
          model: run.model,
          overrides: run.overrides,
          track: true,
          gitCommit,
        });
        if (!r.ok) throw new Error(r.error);
      }
      sequential.push((performance.now() - t0) / 1000);
    }
    // The reference grid is 1.5 s of fitting: process start-up and JIT warm-up per worker eat the gain
    // of a second core. A grid ten times heavier shows what the fan-out does once fits dominate.
    mkdirSync(join(ws.root, 'apps/heavy-sweep'), { recursive: true });
    writeFileSync(join(ws.root, 'apps/heavy-sweep/sweep.yaml'), 'sweep: heavy\n');
    writeFileSync(
      join(ws.root, 'configs/sweep/heavy.yaml'),
      'metric: accuracy\ngrid:\n  - model: random_forest\n    params:\n      model.n_estimators: 300,400,500\n      model.max_depth: null,8\n  - model: gradient_boosting\n    params:\n      model.n_estimators: 300,400\n',
    );
    const heavy = Array.from({ length: reps }, () =>
      timed(ws, ['run', 'heavy-sweep:sweep', '--skip-nx-cache']),
    );
    const heavy1 = Array.from({ length: reps }, () =>
      timed(ws, ['run', 'heavy-sweep:sweep', '--skip-nx-cache', '--batch=false', '--parallel=1']),
    );
    const sk =
      skRuns.length > 0 ? { median: median(skRuns), command: median(skCommands), version: skVersion } : null;
    const ratio = (x: number, y: number) => `${(x / y).toFixed(2)}×`;
    const cores = availableParallelism();
    rows.push([
      `cold \`nx run wine-experiments:sweep --skip-nx-cache\` (${spec.runs.length} points, batched, tracked)`,
      fmt(median(sweepNx)),
      `${ratio(median(sweepNx), median(sweepNx1))} of one process per point; ${ratio(median(sweepNx), median(sequential))} of in-process sequential`,
      sk
        ? `${ratio(median(sweepNx), sk.median)} of scikit-learn's grid; ${ratio(median(sweepNx), sk.command)} of it as a command`
        : 'scikit-learn not installed',
    ]);
    rows.push([
      'the same sweep in a workspace with Cellar installed from its packages (compiled JS, as `npm install @cellar/nx` and the Docker image)',
      fmt(median(sweepInstalled)),
      `${ratio(median(sweepInstalled), median(sweepNx))} of this repository's`,
      sk ? `${ratio(median(sweepInstalled), sk.median)} of scikit-learn's grid` : '',
    ]);
    installed.dispose();
    rows.push([
      "the same with the Nx daemon (Nx's default outside CI)",
      fmt(median(sweepDaemon)),
      '',
      skDaemon.length > 0
        ? `${ratio(median(sweepDaemon), median(skDaemon))} of scikit-learn's grid (${fmt(median(skDaemon))}, run after each of these)`
        : '',
    ]);
    rows.push([`the same, \`--batch=false --parallel=1\``, fmt(median(sweepNx1)), '', '']);
    rows.push([
      'unchanged sweep again (every point from the cache, no new run)',
      fmt(median(sweepCached)),
      `${ratio(median(sweepCached), median(sweepNx))} of cold`,
      '',
    ]);
    rows.push([
      `heavier grid (8 runs: forests of 300–500 trees, boosting 300–400 stages), ${cores} lanes`,
      fmt(median(heavy)),
      `${ratio(median(heavy), median(heavy1))} of one process per point (${fmt(median(heavy1))})`,
      '',
    ]);
    rows.push([
      `same ${spec.runs.length} fits one after another in one process (tracked)`,
      fmt(median(sequential)),
      '1.00×',
      sk ? `${ratio(median(sequential), sk.median)} of scikit-learn` : '',
    ]);
    if (sk) {
      rows.push([
        `scikit-learn ${sk.version} sequential grid (no tracking) in a warm interpreter, one after each cold sweep`,
        fmt(sk.median),
        '',
        '1.00×',
      ]);
      rows.push([
        'the same grid as a command: `python3 sklearn_grid.py` (start, imports, CSV read, grid)',
        fmt(sk.command),
        '',
        `${ratio(sk.command, sk.median)}`,
      ]);
    }
  } finally {
    ws.dispose();
  }

  console.log(`\nPipeline wall times, median of ${reps} (${availableParallelism()} cores)\n`);
  console.log('| what | median | ratio | vs scikit-learn |');
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

/**
 * The example pipelines and sweep with Cellar installed from its `npm pack`ed packages, production
 * dependencies only (tools/docker/assemble-runtime.sh, as the Docker image and
 * e2e/external-workspace.spec.ts build it), in a git repository of its own; one sweep run first so
 * the data set is pulled. `sweep()` times a cold sweep there.
 */
function installedWorkspace(env: NodeJS.ProcessEnv): { sweep: () => number; dispose: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'cellar-bench-installed-'));
  const app = join(root, 'app');
  const appEnv = { ...env, NX_CACHE_DIRECTORY: join(app, '.nx', 'cache') };
  const sh = (cmd: string, args: string[], cwd: string) => {
    const r = spawnSync(cmd, args, { cwd, env: appEnv, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`);
  };
  buildPackages();
  mkdirSync(join(root, 'packs'));
  packPackages(join(root, 'packs'));
  const script = join(REPO, 'tools/docker/assemble-runtime.sh');
  sh('sh', [script, REPO, join(root, 'packs'), app, '--prefer-offline', '--ignore-scripts'], root);
  // Installed with --ignore-scripts (no download of a prebuilt addon here): the repository's build.
  cpSync(join(REPO, 'node_modules/better-sqlite3/build'), join(app, 'node_modules/better-sqlite3/build'), {
    recursive: true,
  });
  writeFileSync(join(app, '.gitignore'), 'node_modules\n.nx\ndata/external\nmlruns\n');
  const git = ['-c', 'user.name=bench', '-c', 'user.email=bench@localhost'];
  sh('git', ['init', '-q', '-b', 'main'], app);
  sh('git', ['add', '-A'], app);
  sh('git', [...git, 'commit', '-qm', 'installed'], app);
  const nx = join(app, 'node_modules/nx/dist/bin/nx.js');
  const sweep = (...extra: string[]) => {
    const t0 = performance.now();
    sh(process.execPath, [nx, 'run', 'wine-experiments:sweep', ...extra], app);
    return (performance.now() - t0) / 1000;
  };
  sweep();
  return {
    sweep: () => sweep('--skip-nx-cache'),
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

/**
 * One scikit-learn grid: `grid` is the grid alone in a warm interpreter (the figure the goal
 * is measured against), `command` the whole `python3 sklearn_grid.py` run as a user types it
 * (interpreter start, imports, CSV read, the grid), as the Nx sweep is timed.
 */
function sklearnGrid(): { grid: number; command: number; version: string } | null {
  try {
    const t0 = performance.now();
    const out = execFileSync(
      '/usr/bin/python3',
      [join(__dirname, 'sklearn_grid.py'), resolve(WINE_CSV), '1'],
      { encoding: 'utf8' },
    );
    const command = (performance.now() - t0) / 1000;
    const parsed = JSON.parse(out) as { sklearn_version: string; runs_s: number[] };
    return { grid: parsed.runs_s[0], command, version: parsed.sklearn_version };
  } catch {
    return null;
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
