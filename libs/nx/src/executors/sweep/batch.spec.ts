import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { ExecutorContext, TaskGraph } from '@nx/devkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sweepPointId } from '@cellar/config';
import { pointJob } from '../sweep-point/executor';
import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import { batchSweep, sweepLanes } from './batch';
import { fitPlan, queueWork } from './batch-run';
import type { SweepExecutorOptions } from './schema';

const REPO = resolve(__dirname, '../../../../..');
const WINE_CSV = join(REPO, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

describe('sweepLanes', () => {
  it('is one lane per CPU, or CELLAR_SWEEP_LANES, never more than the points, and one for a few points', () => {
    expect(sweepLanes(10, { CELLAR_SWEEP_LANES: '3' })).toBe(3);
    expect(sweepLanes(5, { CELLAR_SWEEP_LANES: '8' })).toBe(5);
    expect(sweepLanes(3, { CELLAR_SWEEP_LANES: '8' })).toBe(1);
    expect(sweepLanes(10, { CELLAR_SWEEP_LANES: 'many' })).toBeGreaterThanOrEqual(1);
  });
});

describe('batchSweep (a whole sweep in one batch process)', () => {
  let root: string;
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'cellar-batch-'));
    cpSync(join(REPO, 'configs'), join(root, 'configs'), { recursive: true });
    mkdirSync(join(root, 'data/external'), { recursive: true });
    copyFileSync(join(REPO, 'data/external/WineQT.csv.dvc'), join(root, 'data/external/WineQT.csv.dvc'));
    copyFileSync(WINE_CSV, join(root, 'data/external/WineQT.csv'));
    writeFileSync(
      join(root, 'configs/sweep/mini.yaml'),
      'data: wine\nmetric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: 0.5,-1,2,3\n  - model: random_forest\n    params:\n      model.n_estimators: 5\n',
    );
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const grid = [
    ['logreg', ['model.C=0.5']],
    ['logreg', ['model.C=-1']],
    ['logreg', ['model.C=2']],
    ['logreg', ['model.C=3']],
    ['random_forest', ['model.n_estimators=5']],
  ] as const;

  function sweepTasks(): {
    taskGraph: TaskGraph;
    inputs: Record<string, SweepExecutorOptions | SweepPointExecutorOptions>;
    context: ExecutorContext;
  } {
    const tasks: Record<string, unknown> = {};
    const inputs: Record<string, SweepExecutorOptions | SweepPointExecutorOptions> = {};
    const projects: Record<string, { root: string }> = { mini: { root: 'apps/mini' } };
    const pointTasks: string[] = [];
    for (const [model, overrides] of grid) {
      const id = sweepPointId({ data: 'wine', model, overrides: [...overrides] });
      const project = `mini-point-${id}`;
      const taskId = `${project}:point`;
      projects[project] = { root: `apps/mini/points/${id}` };
      tasks[taskId] = { id: taskId, target: { project, target: 'point' } };
      inputs[taskId] = { sweep: 'mini', id, data: 'wine', model, overrides: [...overrides], track: false };
      pointTasks.push(taskId);
    }
    tasks['mini:sweep'] = { id: 'mini:sweep', target: { project: 'mini', target: 'sweep' } };
    inputs['mini:sweep'] = { sweep: 'mini' };
    const dependencies: Record<string, string[]> = { 'mini:sweep': pointTasks };
    for (const t of pointTasks) dependencies[t] = [];
    const taskGraph = { tasks, dependencies, roots: pointTasks } as unknown as TaskGraph;
    const context = {
      root,
      isVerbose: false,
      projectsConfigurations: { version: 2, projects },
    } as unknown as ExecutorContext;
    return { taskGraph, inputs, context };
  }

  it('orders the queue heaviest first and knows which data file each point reads', () => {
    const plan = (model: string, overrides: string[]) =>
      fitPlan(pointJob('k', { sweep: 'mini', id: 'x', data: 'wine', model, overrides }, root, 'out'));
    const cost = (model: string, overrides: string[]) => plan(model, overrides).cost;
    expect(plan('logreg', []).pointer).toBe('data/external/WineQT.csv.dvc');
    expect(plan('logreg', ['model.C=-1']).pointer).toBeUndefined();
    expect(cost('gradient_boosting', ['model.n_estimators=100'])).toBeGreaterThan(
      cost('random_forest', ['model.n_estimators=100']),
    );
    expect(cost('random_forest', ['model.n_estimators=200'])).toBeGreaterThan(
      cost('random_forest', ['model.n_estimators=200', 'model.max_depth=5']),
    );
    expect(cost('random_forest', ['model.n_estimators=200', 'model.max_depth=5'])).toBeGreaterThan(
      cost('random_forest', ['model.n_estimators=50']),
    );
    expect(cost('random_forest', ['model.n_estimators=50'])).toBeGreaterThan(cost('logreg', []));
    expect(cost('logreg', ['model.C=-1'])).toBe(0);
  });

  it('keys the forests that differ only in n_estimators alike (one lane builds their trees once), nothing else', () => {
    const plan = (model: string, overrides: string[]) =>
      fitPlan(pointJob('k', { sweep: 'mini', id: 'x', data: 'wine', model, overrides }, root, 'out'));
    const fifty = plan('random_forest', ['model.n_estimators=50', 'model.max_depth=5']);
    expect(fifty.forest).toBeDefined();
    expect(fifty.family).toBe('random_forest');
    expect(plan('random_forest', ['model.n_estimators=200', 'model.max_depth=5']).forest).toBe(fifty.forest);
    for (const other of [['model.max_depth=6'], ['model.max_depth=5', 'train.random_state=1']]) {
      const p = plan('random_forest', ['model.n_estimators=50', ...other]);
      expect(p.forest).toBeDefined();
      expect(p.forest).not.toBe(fifty.forest);
    }
    expect(plan('gradient_boosting', ['model.n_estimators=50'])).toMatchObject({
      family: 'gradient_boosting',
    });
    expect(plan('gradient_boosting', ['model.n_estimators=50']).forest).toBeUndefined();
    expect(plan('logreg', []).forest).toBeUndefined();
  });

  it('queues model families heaviest first, each together, and a forest family by forest, largest first', () => {
    const point = (key: string, cost: number, family: string, forest?: string) => ({
      job: { key, kind: 'point', point: {} } as unknown as Parameters<typeof fitPlan>[0],
      cost,
      family,
      forest,
    });
    const work = queueWork([
      point('lr1', 30, 'logreg'),
      point('gb1', 300, 'gradient_boosting'),
      point('rf50', 75, 'random_forest', 'deep'),
      point('rf200d5', 150, 'random_forest', 'shallow'),
      point('lr2', 30, 'logreg'),
      point('rf200', 300, 'random_forest', 'deep'),
      point('gb2', 300, 'gradient_boosting'),
      point('rf100', 150, 'random_forest', 'deep'),
    ]);
    // Forests: deep 300 + (75 + 150) / 2 = 412.5, shallow 150: 562.5 against boosting's 600.
    expect(work.map((w) => w.job.key)).toEqual([
      'gb1',
      'gb2',
      'rf200',
      'rf100',
      'rf50',
      'rf200d5',
      'lr1',
      'lr2',
    ]);
    expect(work.map((w) => w.job.group)).toEqual([
      'gradient_boosting',
      'gradient_boosting',
      'random_forest',
      'random_forest',
      'random_forest',
      'random_forest',
      'logreg',
      'logreg',
    ]);
    expect(work[2].job.weight).toBe(300);
  });

  it('fits the points over two lanes, reports each once, fails only the bad one, then refuses the table', async () => {
    const { taskGraph, inputs, context } = sweepTasks();
    const prev = process.env.CELLAR_SWEEP_LANES;
    process.env.CELLAR_SWEEP_LANES = '2';
    const yielded: { task: string; result: { success: boolean; terminalOutput: string } }[] = [];
    try {
      for await (const r of batchSweep(taskGraph, inputs, {}, context)) yielded.push(r);
    } finally {
      if (prev === undefined) delete process.env.CELLAR_SWEEP_LANES;
      else process.env.CELLAR_SWEEP_LANES = prev;
    }
    expect(yielded.map((y) => y.task).sort()).toEqual(Object.keys(inputs).sort());
    expect(yielded.at(-1)?.task).toBe('mini:sweep');
    const byTask = new Map(yielded.map((y) => [y.task, y.result]));
    const bad = `mini-point-${sweepPointId({ data: 'wine', model: 'logreg', overrides: ['model.C=-1'] })}`;
    expect(byTask.get(`${bad}:point`)).toEqual({
      success: false,
      terminalOutput: `${bad}:point failed: override 'model.C=-1': model.C must be > 0 (got -1)\n`,
    });
    for (const [task, result] of byTask) {
      if (task === `${bad}:point` || task === 'mini:sweep') continue;
      expect(result.success, result.terminalOutput).toBe(true);
      expect(result.terminalOutput).toMatch(/: (logreg|random_forest) model\.\S+: accuracy 0\.\d{4}\n$/);
      const dir = (context.projectsConfigurations.projects[task.split(':')[0]] as { root: string }).root;
      expect(existsSync(join(root, dir, 'model.json'))).toBe(true);
    }
    expect(byTask.get('mini:sweep')).toEqual({
      success: false,
      terminalOutput: 'mini:sweep: not run, 1 of its points failed (see above)\n',
    });
  });

  it('prints the table once every point has results', async () => {
    const { taskGraph, inputs, context } = sweepTasks();
    const good = Object.fromEntries(
      Object.entries(inputs).filter(
        ([, o]) => !(o as SweepPointExecutorOptions).overrides?.includes('model.C=-1'),
      ),
    );
    writeFileSync(
      join(root, 'configs/sweep/mini.yaml'),
      'data: wine\nmetric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: 0.5,2,3\n  - model: random_forest\n    params:\n      model.n_estimators: 5\n',
    );
    taskGraph.dependencies['mini:sweep'] = Object.keys(good).filter((t) => t !== 'mini:sweep');
    const yielded = [];
    for await (const r of batchSweep(taskGraph, good, {}, context)) yielded.push(r);
    const table = yielded.find((y) => y.task === 'mini:sweep')?.result;
    expect(table?.success, table?.terminalOutput).toBe(true);
    expect(table?.terminalOutput).toContain('sweep mini: 4 points');
    expect(table?.terminalOutput).toMatch(/best random_forest: accuracy 0\.\d{4} with model\.n_estimators=5/);
  });
  it('pulls a missing data file once for the batch before fitting', async () => {
    const csv = join(root, 'data/external/WineQT.csv');
    rmSync(csv);
    mkdirSync(join(root, '.dvc'), { recursive: true });
    writeFileSync(
      join(root, '.dvc/config'),
      `[core]\n    remote = example\n['remote "example"']\n    url = ${join(REPO, 'data/remote')}\n`,
    );
    const { taskGraph, inputs, context } = sweepTasks();
    const yielded = [];
    for await (const r of batchSweep(taskGraph, inputs, {}, context)) yielded.push(r);
    expect(existsSync(csv)).toBe(true);
    const points = yielded.filter((y) => y.task !== 'mini:sweep');
    expect(points.filter((y) => y.result.success)).toHaveLength(grid.length - 1); // all but model.C=-1
  });

  it('fails the points whose data cannot be pulled, with the pull error, and fits nothing', async () => {
    const csv = join(root, 'data/external/WineQT.csv');
    rmSync(csv);
    rmSync(join(root, '.cellar'), { recursive: true, force: true }); // the last test's pull cached it
    const empty = mkdtempSync(join(tmpdir(), 'cellar-empty-remote-'));
    writeFileSync(
      join(root, '.dvc/config'),
      `[core]\n    remote = example\n['remote "example"']\n    url = ${empty}\n`,
    );
    try {
      const { taskGraph, inputs, context } = sweepTasks();
      const yielded = [];
      for await (const r of batchSweep(taskGraph, inputs, {}, context)) yielded.push(r);
      const good = yielded.filter(
        (y) =>
          y.task !== 'mini:sweep' &&
          !(inputs[y.task] as SweepPointExecutorOptions).overrides?.includes('model.C=-1'),
      );
      expect(good).toHaveLength(grid.length - 1);
      for (const y of good) {
        expect(y.result.success).toBe(false);
        expect(y.result.terminalOutput).toContain('data/external/WineQT.csv');
        expect(y.result.terminalOutput).not.toMatch(/accuracy/);
      }
      expect(yielded.find((y) => y.task === 'mini:sweep')?.result.success).toBe(false);
    } finally {
      rmSync(empty, { recursive: true, force: true });
      copyFileSync(WINE_CSV, csv);
    }
  });
});
