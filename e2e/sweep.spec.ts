// Sweeps through real nx: each grid point a cached task (batched in one process), per-run tracking,
// restored from the cache when unchanged, failures counted.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './workspace';

let ws: TempWorkspace;
beforeAll(() => {
  ws = createTempWorkspace('cellar-sweep-');
});
afterAll(() => ws?.dispose());

interface Run {
  info: { status: string; runName: string };
  tags: Record<string, string>;
  params: Record<string, string>;
  metrics: Record<string, number>;
}
const runsOf = (filter: string): Run[] => {
  const r = ws.cellar(['runs', 'ls', '--json', '--filter', filter]);
  expect(r.code, r.output).toBe(0);
  return JSON.parse(r.stdout).runs;
};

describe('nx run <project>:sweep', () => {
  const points = () => readdirSync(join(ws.root, 'apps/wine-experiments/points')).sort();

  it('first run: fits the 15 points as cached Nx tasks (batched), logs 15 runs, prints the best of each algorithm', () => {
    const r = ws.nx(['run', 'wine-experiments:sweep', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    // The 15 points and the table in one batch process; the points over lanes (this machine's CPUs).
    expect(r.stdout).toContain('Running 16 tasks with @cellar/nx:sweep');
    expect(r.stdout).toContain('sweep wine-grid: 15 points');
    expect(r.stdout).toMatch(/sweep points: 15\/15 done, elapsed \d+\.\ds, ETA 0\.0s/);
    // No pull task: the batch pulled the data set once, for all its points (and all 15 fitted: 15
    // runs below; Nx prints no cache summary for a run this short).
    expect(r.stdout).toMatch(/fetched +data\/external\/WineQT\.csv/);
    for (const algo of ['logreg', 'random_forest', 'gradient_boosting'])
      expect(r.stdout).toMatch(new RegExp(`best ${algo}: accuracy 0\\.\\d{4}`));
    expect(points()).toHaveLength(15);
    for (const id of points())
      for (const file of ['model.json', 'metrics.json'])
        expect(existsSync(join(ws.root, 'apps/wine-experiments/points', id, file))).toBe(true);
    const runs = runsOf("tags.sweep = 'wine-grid'");
    expect(runs).toHaveLength(15);
    expect(runs.every((x) => x.info.status === 'FINISHED')).toBe(true);
    expect(runs.map((x) => x.tags.sweep_point).sort()).toEqual(points());
    expect(
      runs
        .filter((x) => x.tags.algorithm === 'logreg')
        .map((x) => `${x.params['model.C']}|${x.params['data.split.test_size']}`)
        .sort(),
    ).toEqual(['0.1|0.2', '0.1|0.3', '10|0.2', '10|0.3', '1|0.2', '1|0.3']);
  });

  it('unchanged: every point is restored from the cache, nothing is logged, the same table is printed', () => {
    const first = readFileSync(
      join(ws.root, 'apps/wine-experiments/points', points()[0], 'metrics.json'),
      'utf8',
    );
    rmSync(join(ws.root, 'apps/wine-experiments/points'), { recursive: true });
    rmSync(join(ws.root, 'data/external/WineQT.csv'));
    const r = ws.nx(['run', 'wine-experiments:sweep', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    // Restored points read no data: nothing pulls it, even when it is gone. The table comes from the
    // cache too (no process is forked): the same text.
    expect(r.stdout).toMatch(/Cache:\s+16\/16 hit/);
    expect(r.stdout).toMatch(
      /wine-experiments:sweep {2}\[(local cache|existing outputs match the cache, left as is)\]/,
    );
    expect(r.stdout).toContain('sweep wine-grid: 15 points');
    expect(r.stdout).not.toContain('WineQT.csv');
    expect(r.stdout).toMatch(/best logreg: accuracy 0\.\d{4}/);
    expect(
      readFileSync(join(ws.root, 'apps/wine-experiments/points', points()[0], 'metrics.json'), 'utf8'),
    ).toBe(first);
    expect(runsOf("tags.sweep = 'wine-grid'")).toHaveLength(15);
  });

  it('one more value in the grid: exactly the new point runs and logs one run', () => {
    const file = join(ws.root, 'configs/sweep/wine-grid.yaml');
    writeFileSync(
      file,
      readFileSync(file, 'utf8').replace(
        'model.learning_rate: 0.05,0.1,0.2',
        'model.learning_rate: 0.05,0.1,0.2,0.3',
      ),
    );
    const r = ws.nx(['run', 'wine-experiments:sweep', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toMatch(/Cache:\s+15\/17 hit/);
    expect(r.stdout).toContain('sweep wine-grid: 16 points');
    // The new point needed the data set, gone since the last test: its batch pulled it again.
    expect(existsSync(join(ws.root, 'data/external/WineQT.csv'))).toBe(true);
    const runs = runsOf("tags.sweep = 'wine-grid'");
    expect(runs).toHaveLength(16);
    expect(runs.filter((x) => x.params['model.learning_rate'] === '0.3')).toHaveLength(1);
  });

  it('sweep alone (--exclude-task-dependencies) fits nothing and names a point that has no results', () => {
    const [gone] = points();
    rmSync(join(ws.root, 'apps/wine-experiments/points', gone), { recursive: true });
    const r = ws.nx([
      'run',
      'wine-experiments:sweep',
      '--exclude-task-dependencies',
      '--output-style=static',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.output).toContain(`point ${gone} has no apps/wine-experiments/points/${gone}/metrics.json`);
    expect(r.output).toContain(
      'wine-experiments:sweep failed: 1 of 16 points have no results (see the table above)',
    );
    expect(runsOf("tags.sweep = 'wine-grid'")).toHaveLength(16);
  });

  it('cellar runs ls --filter with OR and parentheses, --order-by metrics.accuracy DESC, gives exactly the right rows', () => {
    const all = runsOf("tags.sweep = 'wine-grid'");
    const expected = all
      .filter((x) => x.metrics.accuracy > 0.6 && ['logreg', 'random_forest'].includes(x.tags.algorithm))
      .sort((a, b) => b.metrics.accuracy - a.metrics.accuracy)
      .map((x) => x.metrics.accuracy);
    const filter =
      "metrics.accuracy > 0.6 and (tags.algorithm = 'logreg' or tags.algorithm = 'random_forest')";
    const r = ws.cellar(['runs', 'ls', '--json', '--filter', filter, '--order-by', 'metrics.accuracy DESC']);
    expect(r.code, r.output).toBe(0);
    const got = (JSON.parse(r.stdout).runs as Run[]).map((x) => x.metrics.accuracy);
    expect(got.length).toBeGreaterThan(5);
    expect(got).toEqual(expected);
    const table = ws.cellar(['runs', 'ls', '--filter', filter, '--order-by', 'metrics.accuracy DESC']);
    expect(table.code, table.output).toBe(0);
    expect(table.stdout).not.toContain('gradient_boosting');
    const bad = ws.cellar(['runs', 'ls', '--filter', 'metrics.accuracy >> 0.6']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/column \d+/);
  });

  it('one failing point does not stop the others (one process per point with --batch=false); the failure names it', () => {
    mkdirSync(join(ws.root, 'apps/mini-sweep'), { recursive: true });
    writeFileSync(join(ws.root, 'apps/mini-sweep/sweep.yaml'), 'sweep: mini\n');
    writeFileSync(
      join(ws.root, 'configs/sweep/mini.yaml'),
      ['metric: accuracy', 'grid:', '  - model: logreg', '    params:', '      model.C: 0.5,-1,2', ''].join(
        '\n',
      ),
    );
    const r = ws.nx(['run', 'mini-sweep:sweep', '--batch=false', '--output-style=static']);
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/mini-sweep-point-\w{10}:point failed: .*model\.C must be > 0 \(got -1\)/);
    expect(r.output).not.toContain('tasks with @cellar/nx:sweep');
    const runs = runsOf("tags.sweep = 'mini'");
    expect(runs.map((x) => x.params['model.C']).sort()).toEqual(['0.5', '2']);
  });

  it('batched over two lanes: a failing point fails alone, the others are fitted and cached, the table is not printed', () => {
    mkdirSync(join(ws.root, 'apps/lanes-sweep'), { recursive: true });
    writeFileSync(join(ws.root, 'apps/lanes-sweep/sweep.yaml'), 'sweep: mini4\n');
    writeFileSync(
      join(ws.root, 'configs/sweep/mini4.yaml'),
      [
        'metric: accuracy',
        'grid:',
        '  - model: logreg',
        '    params:',
        '      model.C: 0.25,-2,4,8',
        '',
      ].join('\n'),
    );
    const r = ws.nx(['run', 'lanes-sweep:sweep', '--output-style=static'], { CELLAR_SWEEP_LANES: '2' });
    expect(r.code).not.toBe(0);
    expect(r.stdout).toContain('Running 5 tasks with @cellar/nx:sweep');
    expect(r.output).toMatch(/lanes-sweep-point-\w{10}:point failed: .*model\.C must be > 0 \(got -2\)/);
    expect(r.output).toContain('lanes-sweep:sweep: not run, 1 of its points failed (see above)');
    expect(
      runsOf("tags.sweep = 'mini4'")
        .map((x) => x.params['model.C'])
        .sort(),
    ).toEqual(['0.25', '4', '8']);
    // The three good points were cached: only the bad one runs again.
    const again = ws.nx(['run', 'lanes-sweep:sweep', '--output-style=static']);
    expect(again.code).not.toBe(0);
    expect(again.stdout.match(/-point-\w{10}:point {2}\[local cache\]/g)).toHaveLength(3);
    expect(again.stdout).toContain('Running 2 tasks with @cellar/nx:sweep');
  });
});
