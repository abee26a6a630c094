// The whole pipeline through real `nx` in a throw-away copy of the workspace (issue: Foundation).
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTempWorkspace, type TempWorkspace } from './workspace';

const PIPELINES = ['wine-logreg', 'wine-random-forest', 'wine-gradient-boosting'];
// Each pipeline pulls its own data set (a cheap md5 check when present) and always notifies.
const PULL_AND_NOTIFY = PIPELINES.flatMap((p) => [`${p}:pull-data`, `${p}:notify`]).sort();
let ws: TempWorkspace;
const read = (file: string) => readFileSync(join(ws.root, file));
const outputsOf = (p: string) => [
  `apps/${p}/model.json`,
  `apps/${p}/metrics.json`,
  `apps/${p}/reports/metrics_detailed.json`,
  `apps/${p}/reports/confusion_matrix.svg`,
];

/** Task ids Nx actually ran (not restored from cache), from --output-style=static output. */
function ranTasks(output: string): string[] {
  const ran: string[] = [];
  for (const m of output.matchAll(/> nx run ([\w-]+:[\w-]+)(.*)/g)) {
    if (!/existing outputs match the cache|local cache|remote cache/.test(m[2])) ran.push(m[1]);
  }
  return ran.sort();
}

beforeAll(() => {
  ws = createTempWorkspace();
});
afterAll(() => ws?.dispose());

describe('three wine-quality pipelines as cached Nx targets', () => {
  let first = '';

  it('a fresh workspace runs every pipeline: pull, train, evaluate, notify', () => {
    const r = ws.nx(['run-many', '-t', 'notify', '--output-style=static']);
    first = r.output;
    expect(r.code, r.output).toBe(0);
    expect(existsSync(join(ws.root, 'data/external/WineQT.csv'))).toBe(true);
    for (const p of PIPELINES) {
      for (const f of outputsOf(p)) expect(existsSync(join(ws.root, f)), f).toBe(true);
      expect(r.stdout).toMatch(new RegExp(`■ ${p} \\(\\w+\\)\\s+accuracy 0\\.\\d{4}`));
    }
    expect(ranTasks(r.output)).toEqual(
      PIPELINES.flatMap((p) => [`${p}:evaluate`, `${p}:notify`, `${p}:pull-data`, `${p}:train`]).sort(),
    );
    const report = JSON.parse(read('apps/wine-logreg/reports/metrics_detailed.json').toString());
    expect(report.accuracy).toBeGreaterThan(0.55);
    expect(report.confusion_matrix.matrix.flat().reduce((a: number, b: number) => a + b, 0)).toBe(
      report.n_test,
    );
  });

  it('logs one FINISHED tracking run per trained pipeline', () => {
    const r = ws.cellar(['runs', 'ls', '--json']);
    expect(r.code, r.output).toBe(0);
    const runs = JSON.parse(r.stdout).runs as Array<{
      info: { status: string };
      tags: Record<string, string>;
      metrics: Record<string, number>;
    }>;
    expect(runs.map((x) => x.tags.pipeline).sort()).toEqual([...PIPELINES].sort());
    const head = ws.git(['rev-parse', 'HEAD']).trim();
    for (const run of runs) {
      expect(run.tags.git_commit).toBe(head);
      expect(run.tags.algorithm).toMatch(/^(logreg|random_forest|gradient_boosting)$/);
      expect(run.info.status).toBe('FINISHED');
      expect(run.metrics.accuracy).toBeGreaterThan(0.5);
    }
  });

  it('a second run restores train and evaluate from cache; only notify (and the cheap pull check) run; no new runs logged', () => {
    // Docs and tests are not inputs of any model; neither is the notifier or the sweep code.
    writeFileSync(join(ws.root, 'apps/wine-logreg/README.md'), '# notes\n');
    writeFileSync(join(ws.root, 'libs/modeling/src/extra-notes.spec.ts'), '// a new test file\n');
    for (const file of [
      'libs/pipeline/src/notify/summary.ts',
      'libs/pipeline/src/sweep/sweep-runner.ts',
      'libs/nx/src/executors/sweep/executor.ts',
    ]) {
      writeFileSync(join(ws.root, file), '// edited\n', { flag: 'a' });
    }
    // No --output-style here: the workspace's .env makes every task's output show, notify's included.
    const r = ws.nx(['run-many', '-t', 'notify']);
    expect(r.code, r.output).toBe(0);
    expect(ranTasks(r.output)).toEqual(PULL_AND_NOTIFY);
    expect(r.stdout.match(/■ wine-/g)).toHaveLength(3);
    const runs = JSON.parse(ws.cellar(['runs', 'ls', '--json']).stdout).runs;
    expect(runs).toHaveLength(3);
    ws.git(['add', '-A']);
    ws.git(['commit', '-qm', 'docs and tests']);
  });

  it('with the Nx cache gone, train gives back the outputs of the run with the same task hash: no fit, no new run', () => {
    const before = PIPELINES.flatMap((p) => [read(`apps/${p}/model.json`), read(`apps/${p}/metrics.json`)]);
    for (const p of PIPELINES) rmSync(join(ws.root, `apps/${p}/model.json`));
    // An empty cache and task database: Nx has no record of these tasks and runs them.
    const fresh = join(ws.root, '.nx', 'wiped');
    const r = ws.nx(['run-many', '-t', 'train', '--output-style=static'], {
      NX_CACHE_DIRECTORY: join(fresh, 'cache'),
      NX_WORKSPACE_DATA_DIRECTORY: join(fresh, 'workspace-data'),
    });
    expect(r.code, r.output).toBe(0);
    expect(ranTasks(r.output)).toEqual(PIPELINES.flatMap((p) => [`${p}:pull-data`, `${p}:train`]).sort());
    for (const p of PIPELINES) {
      expect(r.stdout).toMatch(
        new RegExp(
          `${p}: restored model\\.json and metrics\\.json \\(accuracy 0\\.\\d{4}\\) from run [0-9a-f]{8}`,
        ),
      );
    }
    expect(r.stdout).not.toMatch(/: fitting |: trained /);
    const after = PIPELINES.flatMap((p) => [read(`apps/${p}/model.json`), read(`apps/${p}/metrics.json`)]);
    after.forEach((buf, i) => expect(buf.equals(before[i])).toBe(true));
    expect(JSON.parse(ws.cellar(['runs', 'ls', '--json']).stdout).runs).toHaveLength(3);
  });

  it('editing model.C affects only wine-logreg (and the logreg points of the sweep); reverting restores the old model byte for byte', () => {
    const file = join(ws.root, 'configs/model/logreg.yaml');
    const original = readFileSync(file, 'utf8');
    const oldModel = read('apps/wine-logreg/model.json');
    const oldReport = read('apps/wine-logreg/reports/metrics_detailed.json');
    writeFileSync(file, original.replace('C: 1.0', 'C: 0.05'));
    try {
      const affected = ws.nx(['show', 'projects', '--affected', '--base=HEAD']);
      expect(affected.code, affected.output).toBe(0);
      const names = affected.stdout.trim().split('\n');
      expect(names.filter((n) => !n.startsWith('wine-experiments-point-'))).toEqual(['wine-logreg']);
      // ... and the sweep's 6 logreg points, whose inputs name the same file.
      expect(names.filter((n) => n.startsWith('wine-experiments-point-'))).toHaveLength(6);

      const r = ws.nx(['run-many', '-t', 'notify', '--output-style=static']);
      expect(r.code, r.output).toBe(0);
      expect(ranTasks(r.output)).toEqual(
        [...PULL_AND_NOTIFY, 'wine-logreg:train', 'wine-logreg:evaluate'].sort(),
      );
      const newModel = read('apps/wine-logreg/model.json');
      expect(newModel.equals(oldModel)).toBe(false);
      expect(JSON.parse(newModel.toString()).spec.C).toBe(0.05);
      // evaluate scored the new model, not a stale cache entry
      const newReport = JSON.parse(read('apps/wine-logreg/reports/metrics_detailed.json').toString());
      expect(newReport.config_hash).toBe(JSON.parse(newModel.toString()).configHash);
    } finally {
      writeFileSync(file, original);
    }
    const back = ws.nx(['run-many', '-t', 'notify', '--output-style=static']);
    expect(back.code, back.output).toBe(0);
    expect(ranTasks(back.output)).toEqual(PULL_AND_NOTIFY);
    expect(read('apps/wine-logreg/model.json').equals(oldModel)).toBe(true);
    expect(read('apps/wine-logreg/reports/metrics_detailed.json').equals(oldReport)).toBe(true);
  });

  it('a deleted dataset is pulled back (md5 checked) and the cache is reused', () => {
    rmSync(join(ws.root, 'data/external/WineQT.csv'));
    const r = ws.nx(['run-many', '-t', 'notify', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    expect(r.output).toMatch(/WineQT\.csv/);
    expect(existsSync(join(ws.root, 'data/external/WineQT.csv'))).toBe(true);
    expect(ranTasks(r.output)).toEqual(PULL_AND_NOTIFY);
  });

  it('nx graph --file holds the three pipelines and train -> evaluate -> notify', () => {
    const r = ws.nx(['graph', '--targets=notify', '--file=tasks.json']);
    expect(r.code, r.output).toBe(0);
    const g = JSON.parse(read('tasks.json').toString());
    for (const p of PIPELINES) {
      expect(g.graph.nodes[p]).toBeDefined();
      // No project edge to `data`: a pipeline depends on its own data set's files only.
      expect(g.graph.dependencies[p].map((d: { target: string }) => d.target)).not.toContain('data');
      expect(g.tasks.dependencies[`${p}:notify`]).toEqual([`${p}:evaluate`]);
      expect(g.tasks.dependencies[`${p}:evaluate`]).toEqual([`${p}:train`]);
      expect(g.tasks.dependencies[`${p}:train`]).toEqual([`${p}:pull-data`]);
    }
  });

  it('is deterministic: a forced re-run writes byte-identical model.json and metrics.json', () => {
    const before = PIPELINES.flatMap((p) => [read(`apps/${p}/model.json`), read(`apps/${p}/metrics.json`)]);
    const r = ws.nx(['run-many', '-t', 'train', '--skip-nx-cache', '--output-style=static']);
    expect(r.code, r.output).toBe(0);
    expect(ranTasks(r.output)).toContain('wine-random-forest:train');
    const after = PIPELINES.flatMap((p) => [read(`apps/${p}/model.json`), read(`apps/${p}/metrics.json`)]);
    after.forEach((buf, i) => expect(buf.equals(before[i])).toBe(true));
    // --skip-nx-cache asks for a fit: no run is given back, each fit logs a run.
    expect(r.stdout).not.toContain('restored');
    expect(r.stdout.match(/: trained /g)).toHaveLength(3);
    expect(first).toContain('Successfully ran target notify');
  });
});

describe('notify webhook', () => {
  it('POSTs the summary as JSON to notify.webhook_url (from CELLAR_WEBHOOK_URL), and fails in one line when the hook does', async () => {
    const { createServer } = await import('node:http');
    const bodies: Array<Record<string, unknown>> = [];
    let status = 200;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(JSON.parse(body));
        res.writeHead(status).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/hooks/cellar`;
    try {
      const args = [
        'run',
        'wine-random-forest:notify',
        '--exclude-task-dependencies',
        '--output-style=static',
      ];
      // async: the hook server lives in this process, so nx must not block its event loop
      const ok = await ws.nxAsync(args, { CELLAR_WEBHOOK_URL: url });
      expect(ok.code, ok.output).toBe(0);
      expect(bodies).toHaveLength(1);
      expect(bodies[0]).toMatchObject({
        event: 'pipeline.finished',
        pipeline: 'wine-random-forest',
        model_type: 'random_forest',
      });
      expect(bodies[0].accuracy).toBeGreaterThan(0.5);
      status = 500;
      const bad = await ws.nxAsync(args, { CELLAR_WEBHOOK_URL: url });
      expect(bad.code).not.toBe(0);
      expect(bad.output).toMatch(
        /wine-random-forest:notify failed: webhook 127\.0\.0\.1:\d+ answered HTTP 500/,
      );
    } finally {
      server.close();
    }
  });
});

describe('bad input: one line naming the place, exit != 0, nothing written', () => {
  const modelFile = () => join(ws.root, 'apps/wine-logreg/model.json');

  it('C: -1 in configs/model/logreg.yaml', () => {
    const file = join(ws.root, 'configs/model/logreg.yaml');
    const original = readFileSync(file, 'utf8');
    const before = read('apps/wine-logreg/model.json');
    writeFileSync(file, original.replace('C: 1.0', 'C: -1'));
    try {
      const r = ws.nx(['run', 'wine-logreg:train', '--output-style=static']);
      expect(r.code).not.toBe(0);
      expect(r.output).toContain(
        'wine-logreg:train failed: configs/model/logreg.yaml: model.C must be > 0 (got -1)',
      );
      expect(r.output).not.toMatch(/\n\s+at .+\(.+:\d+:\d+\)/); // no stack trace without --verbose
      expect(read('apps/wine-logreg/model.json').equals(before)).toBe(true);
    } finally {
      writeFileSync(file, original);
    }
  });

  it('a YAML syntax error and an unknown model type name the file', () => {
    const file = join(ws.root, 'configs/model/logreg.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('C: 1.0', 'C: [1.0'));
    try {
      const r = ws.nx(['run', 'wine-logreg:train', '--exclude-task-dependencies', '--output-style=static']);
      expect(r.code).not.toBe(0);
      expect(r.output, r.output).toMatch(
        /wine-logreg:train failed: configs\/model\/logreg\.yaml: .*line \d+/,
      );
    } finally {
      writeFileSync(file, original);
    }
    const pipeline = join(ws.root, 'apps/wine-logreg/pipeline.yaml');
    const declared = readFileSync(pipeline, 'utf8');
    writeFileSync(pipeline, declared.replace('model: logreg', 'model: svm'));
    try {
      const r = ws.nx(['run', 'wine-logreg:train', '--exclude-task-dependencies', '--output-style=static']);
      expect(r.code).not.toBe(0);
      expect(r.output, r.output).toMatch(
        /wine-logreg:train failed: configs\/model\/svm\.yaml: model 'svm' does not exist \(available: gradient_boosting, logreg, random_forest;/,
      );
    } finally {
      writeFileSync(pipeline, declared);
    }
  });

  it('a negative seed in base.yaml fails at config validation, naming the file and the snake_case key', () => {
    const file = join(ws.root, 'configs/train/base.yaml');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('random_state: 42', 'random_state: -1'));
    try {
      const r = ws.nx(['run', 'wine-logreg:train', '--exclude-task-dependencies', '--output-style=static']);
      expect(r.code).not.toBe(0);
      expect(r.output, r.output).toContain(
        'wine-logreg:train failed: configs/train/base.yaml: train.random_state must be an integer >= 0 (got -1)',
      );
    } finally {
      writeFileSync(file, original);
    }
  });

  it('an override of a key that does not exist', () => {
    const r = ws.nx(['run', 'wine-logreg:train', '--overrides=model.gamma=2', '--output-style=static']);
    expect(r.code).not.toBe(0);
    expect(r.output, r.output).toMatch(
      /wine-logreg:train failed: override 'model\.gamma=2': key model\.gamma does not exist \(use \+model\.gamma=2 to add it\)/,
    );
  });

  it('a CSV cell that is not a number: the row and column are named', () => {
    const csv = join(ws.root, 'data/external/WineQT.csv');
    const good = readFileSync(csv, 'utf8');
    const lines = good.split('\n');
    lines[7] = lines[7].replace(/^[^,]+/, 'abc');
    writeFileSync(csv, lines.join('\n'));
    try {
      // the data no longer matches its pointer: train refuses before parsing, naming both files
      const r = ws.nx([
        'run',
        'wine-logreg:train',
        '--exclude-task-dependencies',
        '--skip-nx-cache',
        '--output-style=static',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/data\/external\/WineQT\.csv does not match data\/external\/WineQT\.csv\.dvc/);
    } finally {
      writeFileSync(csv, good);
    }
  });

  it('predict names the row and column of a cell that is not a number', () => {
    const lines = readFileSync(join(ws.root, 'data/external/WineQT.csv'), 'utf8').split('\n');
    const cells = lines[7].split(',');
    cells[8] = 'abc'; // pH
    lines[7] = cells.join(',');
    writeFileSync(join(ws.root, 'bad.csv'), lines.join('\n'));
    const r = ws.nx([
      'run',
      'wine-logreg:predict',
      '--input=bad.csv',
      '--exclude-task-dependencies',
      '--output-style=static',
    ]);
    expect(r.code).not.toBe(0);
    expect(r.output, r.output).toMatch(
      /wine-logreg:predict failed: bad\.csv: row 7 \(line 8\), column 'pH': 'abc' is not a number/,
    );
    expect(existsSync(join(ws.root, 'apps/wine-logreg/predictions/predictions.csv'))).toBe(false);
    const ok = ws.nx(['run', 'wine-logreg:predict', '--exclude-task-dependencies', '--output-style=static']);
    expect(ok.code, ok.output).toBe(0);
    const out = readFileSync(join(ws.root, 'apps/wine-logreg/predictions/predictions.csv'), 'utf8')
      .trim()
      .split('\n');
    expect(out[0]).toBe('Id,prediction,proba_3,proba_4,proba_5,proba_6,proba_7,proba_8');
    expect(out).toHaveLength(1144);
  });

  it('a model.json of another format version is refused by evaluate', () => {
    const before = read('apps/wine-logreg/model.json');
    const other = JSON.parse(before.toString());
    other.formatVersion = 99;
    writeFileSync(modelFile(), JSON.stringify(other));
    try {
      const r = ws.nx([
        'run',
        'wine-logreg:evaluate',
        '--exclude-task-dependencies',
        '--skip-nx-cache',
        '--output-style=static',
      ]);
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/wine-logreg:evaluate failed: .*apps\/wine-logreg\/model\.json.*format/);
    } finally {
      writeFileSync(modelFile(), before);
    }
  });

  it('an md5 mismatch from the remote: detected, nothing placed', () => {
    const { mkdtempSync, mkdirSync, copyFileSync } = require('node:fs') as typeof import('node:fs');
    const remote = mkdtempSync(join(ws.root, '..', 'cellar-bad-remote-'));
    mkdirSync(join(remote, 'files/md5/e2'), { recursive: true });
    copyFileSync(
      join(ws.root, 'data/external/WineQT.csv'),
      join(remote, 'files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb'),
    );
    writeFileSync(join(remote, 'files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb'), 'quality\n1\n', { flag: 'a' });
    const csv = join(ws.root, 'data/external/WineQT.csv');
    const good = readFileSync(csv);
    rmSync(csv);
    // Without the local cache's copy, so the pull has to read the (corrupt) remote.
    rmSync(join(ws.root, '.cellar/cache'), { recursive: true, force: true });
    try {
      const r = ws.nx(['run', 'data:pull', '--output-style=static'], { CELLAR_DATA_REMOTE: remote });
      expect(r.code).not.toBe(0);
      expect(r.output).toMatch(/md5 mismatch for data\/external\/WineQT\.csv/);
      expect(existsSync(csv)).toBe(false);
    } finally {
      writeFileSync(csv, good);
      rmSync(remote, { recursive: true, force: true });
    }
  });
});
