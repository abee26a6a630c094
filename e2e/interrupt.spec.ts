// Ctrl-C through real nx, as a terminal sends it (SIGINT to the whole process group): during one long
// fit, and during a batched sweep fitted over two lanes. The process stops within a moment, exits
// 130, leaves no run RUNNING, no process behind and no half-written file.
// fast; it exits 130 for one task, 1 for a batch (see below).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './workspace';

let ws: TempWorkspace;
beforeAll(() => {
  ws = createTempWorkspace('cellar-interrupt-');
  // Pull once, so that the timed part below is the fit.
  const r = ws.nx(['run', 'data:pull']);
  expect(r.code, r.output).toBe(0);
});
afterAll(() => ws?.dispose());

interface Interrupted {
  code: number | null;
  output: string;
  /** From SIGINT to the exit of nx. */
  stopMs: number;
  /** When SIGINT was sent (ms since the epoch, as runs' start times). */
  signalAt: number;
}

/** Runs nx in its own process group and sends SIGINT to the group once `ready` matches the output. */
function interruptWhen(args: string[], ready: RegExp, env: NodeJS.ProcessEnv = {}): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ws.root, 'node_modules/nx/dist/bin/nx.js'), ...args], {
      cwd: ws.root,
      env: { ...ws.env, ...env },
      detached: true,
    });
    let output = '';
    let sentAt = 0;
    let signalAt = 0;
    const timer = setTimeout(() => {
      process.kill(-(child.pid as number), 'SIGKILL');
      reject(new Error(`never saw ${ready} (or never exited):\n${output}`));
    }, 120_000);
    const onData = (chunk: Buffer) => {
      output += chunk;
      if (sentAt === 0 && ready.test(output)) {
        sentAt = performance.now();
        signalAt = Date.now();
        process.kill(-(child.pid as number), 'SIGINT');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output, stopMs: performance.now() - sentAt, signalAt });
    });
  });
}

function runInfos(filter: string): { status: string; startTime: number }[] {
  const r = ws.cellar(['runs', 'ls', '--json', '--filter', filter]);
  expect(r.code, r.output).toBe(0);
  return (JSON.parse(r.stdout).runs as { info: { status: string; startTime: number } }[]).map((x) => x.info);
}

function runStatuses(filter: string): string[] {
  return runInfos(filter).map((x) => x.status);
}

/** Processes whose command line names this workspace (nx, executors, batch workers). */
function processesOfWorkspace(): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' }).stdout;
  return ps.split('\n').filter((line) => line.includes(ws.root) && !line.includes(' ps '));
}

describe('Ctrl-C', () => {
  it('during one long fit: stops at once, exits 130, the run ends KILLED, model.json is not touched', async () => {
    const modelFile = join(ws.root, 'apps/wine-random-forest/model.json');
    const before = existsSync(modelFile) ? readFileSync(modelFile, 'utf8') : null;
    // --output-style=stream: Nx passes the progress lines on as they come.
    const r = await interruptWhen(
      [
        'run',
        'wine-random-forest:train',
        '--skip-nx-cache',
        '--output-style=stream',
        '--overrides=model.n_estimators=20000',
      ],
      /fitting random_forest \d+\/20000, elapsed/,
    );
    expect(r.code, r.output).toBe(130);
    // A 20000-tree fit takes about a minute here; the fit gives way within ~50 ms of the signal.
    expect(r.stopMs).toBeLessThan(5_000);
    expect(r.output).not.toContain('trained random_forest');
    expect(runStatuses("tags.algorithm = 'random_forest'")).toEqual(['KILLED']);
    expect(existsSync(modelFile) ? readFileSync(modelFile, 'utf8') : null).toBe(before);
    expect(readdirSync(join(ws.root, 'apps/wine-random-forest')).filter((f) => f.includes('.tmp'))).toEqual(
      [],
    );
    expect(processesOfWorkspace()).toEqual([]);
  });

  it('during a batched sweep over two lanes: stops both lanes at once, no run left RUNNING, no process left', async () => {
    mkdirSync(join(ws.root, 'apps/slow-sweep'), { recursive: true });
    writeFileSync(join(ws.root, 'apps/slow-sweep/sweep.yaml'), 'sweep: slow\n');
    writeFileSync(
      join(ws.root, 'configs/sweep/slow.yaml'),
      'metric: accuracy\ngrid:\n  - model: random_forest\n    params:\n      model.n_estimators: 1500,1600,1700,1800,1900,2000\n',
    );
    const r = await interruptWhen(['run', 'slow-sweep:sweep'], /sweep points: 1\/6 done/, {
      CELLAR_SWEEP_LANES: '2',
    });
    // Nx 23.3.1 exits 1 here rather than 130: the batch process ends at the signal too, and Nx
    // counts a batch whose every task has an answer (failed) as completed (run-command.js).
    expect(r.code, r.output).not.toBe(0);
    // Measured 0.26-2.7 s on the 2-core box, with this code and the code before it alike (2.75 s once
    // under the full suite). A lane whose fit has just ended still writes its 2000-tree model.json
    // and run, which is likely the slow case (not traced). So this only bounds a hang; the runs
    // below carry the behaviour.
    expect(r.stopMs).toBeLessThan(8_000);
    // The point that was reported is FINISHED; a point in flight ends KILLED (none may be, if the
    // signal came between two points); the rest never start.
    const runs = runInfos("tags.sweep = 'slow'");
    const statuses = runs.map((x) => x.status);
    expect(statuses).toContain('FINISHED');
    expect(statuses.length).toBeLessThan(6);
    expect(statuses.every((s) => s === 'FINISHED' || s === 'KILLED')).toBe(true);
    // No point was fitted to its end after Ctrl-C: such a point would be a FINISHED run started
    // after the signal (one that starts in the moment before the signal is handled ends KILLED).
    const late = runs.filter((x) => x.status === 'FINISHED' && x.startTime > r.signalAt);
    expect(late, `signal at ${r.signalAt}: ${JSON.stringify(runs)}`).toEqual([]);
    expect(processesOfWorkspace()).toEqual([]);
  });
});
