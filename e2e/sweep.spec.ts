// Sweeps through real nx: parallel workers, progress, per-run tracking, failures counted.
import { mkdirSync, writeFileSync } from 'node:fs';
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
  it('runs the reference 15-run grid in parallel, logs every run and prints the best of each algorithm', () => {
    const r = ws.nx(['run', 'wine-experiments:sweep', '--workers=2', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    expect(r.stdout).toContain('sweep wine-grid: 15 runs on 2 worker processes');
    expect(r.stdout).toMatch(/sweep wine-grid: 15\/15 done, elapsed \d+\.\ds, ETA 0\.0s/);
    for (const algo of ['logreg', 'random_forest', 'gradient_boosting'])
      expect(r.stdout).toMatch(new RegExp(`best ${algo}: accuracy 0\\.\\d{4}`));
    const runs = runsOf("tags.sweep = 'wine-grid'");
    expect(runs).toHaveLength(15);
    expect(runs.every((x) => x.info.status === 'FINISHED')).toBe(true);
    expect(
      runs
        .filter((x) => x.tags.algorithm === 'logreg')
        .map((x) => `${x.params['model.C']}|${x.params['train.test_size']}`)
        .sort(),
    ).toEqual(['0.1|0.2', '0.1|0.3', '10|0.2', '10|0.3', '1|0.2', '1|0.3']);
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

  it('one failing run does not stop the others; the exit code and message say how many failed', () => {
    mkdirSync(join(ws.root, 'apps/mini-sweep'), { recursive: true });
    writeFileSync(join(ws.root, 'apps/mini-sweep/sweep.yaml'), 'sweep: mini\n');
    writeFileSync(
      join(ws.root, 'configs/sweep/mini.yaml'),
      ['metric: accuracy', 'grid:', '  - model: logreg', '    params:', '      model.C: 0.5,-1,2', ''].join(
        '\n',
      ),
    );
    const r = ws.nx(['run', 'mini-sweep:sweep', '--workers=1', '--output-style=static']);
    expect(r.output).toContain('sweep mini: 3 runs on 1 worker process\n');
    expect(r.code).not.toBe(0);
    expect(r.output).toMatch(/sweep mini: 3\/3 done, 1 failed/);
    expect(r.output).toContain('mini-sweep:sweep failed: 1 of 3 runs failed (see the table above)');
    expect(r.output).toMatch(/FAILED .*model\.C must be > 0 \(got -1\)/);
    const runs = runsOf("tags.sweep = 'mini'");
    expect(runs.map((x) => x.params['model.C']).sort()).toEqual(['0.5', '2']);
  });
});
