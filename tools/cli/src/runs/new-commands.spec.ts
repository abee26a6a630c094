// runs export, runs compare's width, experiments and artifacts download through the whole command
// tree (main), on real stores.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { openStore, seedFixtureRuns } from '@cellar/tracking';
import { main } from '../main';
import { makeTempDir } from '../testing/io';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let root: string;
let ids: Record<string, string>;
beforeEach(() => {
  root = makeTempDir();
  dirs.push(root);
  fs.writeFileSync(path.join(root, 'nx.json'), '{}');
  ids = seedFixtureRuns(root);
});

async function cellar(argv: string[], columns?: number) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    cwd: root,
    env: {},
    columns,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

/** Python's csv module reads the export: the quoting is checked by a parser we did not write. */
function parseCsvWithPython(text: string): string[][] {
  const r = spawnSync(
    'python3',
    ['-c', 'import csv, json, sys; print(json.dumps(list(csv.reader(sys.stdin))))'],
    { input: text, encoding: 'utf8' },
  );
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as string[][];
}

describe('cellar runs export', () => {
  it('writes CSV with metrics.*, params.*, tags.* columns and quotes what needs quoting', async () => {
    const store = openStore({ root });
    const run = store.createRun({ experiment: 'beer', runName: 'odd "name", really' });
    store.logParams(run.runId, { note: 'line one\nline two', ' padded': ' x ' });
    store.logMetrics(run.runId, { accuracy: Number.NaN });
    store.endRun(run.runId, 'FINISHED');
    store.close();

    const { code, stdout, stderr } = await cellar([
      'runs',
      'export',
      '--experiment',
      'beer',
      '--order-by',
      'start_time',
    ]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    const rows = parseCsvWithPython(stdout);
    expect(rows[0]).toEqual([
      'run_id',
      'run_name',
      'experiment',
      'status',
      'start_time',
      'end_time',
      'git_commit',
      'config_hash',
      'data_md5',
      'metrics.accuracy',
      'metrics.log_loss',
      'params. padded',
      'params.n_estimators',
      'params.note',
      'tags.algorithm',
      'tags.note',
    ]);
    expect(
      rows.slice(1).map((r) => [r[1], r[3], r[4], r[9], r[10], r[11], r[12], r[13], r[14], r[15]]),
    ).toEqual([
      ['rf-beer', 'FINISHED', '2023-11-14T22:16:20.000Z', '0.55', '0.7', '', '100', '', 'Random_Forest', ''],
      ['killed-run', 'KILLED', '2023-11-14T22:17:20.000Z', '0.72', '', '', '', '', '', "it's ok"],
      [
        'odd "name", really',
        'FINISHED',
        expect.any(String),
        'nan',
        '',
        ' x ',
        '',
        'line one\nline two',
        '',
        '',
      ],
    ]);
    expect(rows[1][0]).toBe(ids['rf-beer']);
  });

  it('writes JSON atomically to --out and takes the filters of runs ls', async () => {
    const { code, stdout, stderr } = await cellar([
      'runs',
      'export',
      '--format',
      'json',
      '--filter',
      'metrics.accuracy > 0.6',
      '--out',
      'out/runs.json',
    ]);
    expect({ code, stdout, stderr }).toEqual({
      code: 0,
      stdout: '',
      stderr: 'exported 3 runs to out/runs.json\n',
    });
    const runs = JSON.parse(fs.readFileSync(path.join(root, 'out/runs.json'), 'utf8'));
    expect(runs.map((r: { info: { runName: string } }) => r.info.runName).sort()).toEqual([
      'killed-run',
      'lr-base',
      'rf-small',
    ]);
    expect(fs.readdirSync(path.join(root, 'out'))).toEqual(['runs.json']);
    expect((await cellar(['runs', 'export', '--max', '2'])).stdout.trimEnd().split('\n')).toHaveLength(3);
  });

  it('rejects a bad format, filter or experiment with one line', async () => {
    expect(await cellar(['runs', 'export', '--format', 'xml'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cellar runs export: option '--format <format>' argument 'xml' is invalid. Allowed choices are csv, json. (see 'cellar runs export --help')\n",
    });
    const bad = await cellar(['runs', 'export', '--filter', 'metrics.accuracy >']);
    expect(bad.code).toBe(1);
    expect(bad.stderr.split('\n')[0]).toMatch(/^cellar runs export: filter: /);
    expect(await cellar(['runs', 'export', '-e', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "cellar runs export: experiment 'nope' not found in mlruns/cellar.db (known: beer, wine)\n",
    });
  });
});

describe('cellar runs compare on a narrow terminal', () => {
  it('cuts long values with an ellipsis to fit; --wide prints them whole', async () => {
    const long = 'x'.repeat(300);
    const store = openStore({ root });
    const run = store.createRun({ experiment: 'wine', runName: 'long' });
    store.logParams(run.runId, { 'model.C': long });
    store.close();
    const narrow = await cellar(['runs', 'compare', 'lr-base', 'long'], 60);
    expect(narrow.code).toBe(0);
    const lines = narrow.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
    expect(narrow.stdout).toContain('x…');
    expect(narrow.stdout).not.toContain(long);
    const wide = await cellar(['runs', 'compare', 'lr-base', 'long', '--wide'], 60);
    expect(wide.stdout).toContain(`  ${long}\n`);
    // Fits already: not cut at the default width.
    expect((await cellar(['runs', 'compare', 'lr-base', 'rf-small'])).stdout).not.toContain('…');
  });
});

describe('cellar experiments', () => {
  it('ls, create, rename, delete and restore', async () => {
    expect(await cellar(['experiments', 'ls'])).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^NAME {2}RUNS {2}CREATED \(UTC\)\nwine {5}4 {2}\d{4}-.*\nbeer {5}2 {2}/),
    });
    expect(await cellar(['experiments', 'create', 'cider'])).toEqual({
      code: 0,
      stdout: "created experiment 'cider'\n",
      stderr: '',
    });
    expect(await cellar(['experiments', 'create', 'cider'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "cellar experiments create: experiment 'cider' already exists in mlruns/cellar.db (perhaps deleted: restore it or pick another name)\n",
    });
    expect(await cellar(['experiments', 'rename', 'beer', 'ale'])).toEqual({
      code: 0,
      stdout: "renamed experiment 'beer' to 'ale' (2 runs)\n",
      stderr: '',
    });
    expect((await cellar(['runs', 'show', 'rf-beer'])).stdout).toMatch(/^experiment +ale$/m);
    expect(await cellar(['experiments', 'delete', 'ale'])).toEqual({
      code: 0,
      stdout: "deleted experiment 'ale' and its 2 runs; 'cellar experiments restore ale' brings them back\n",
      stderr: '',
    });
    const active = JSON.parse((await cellar(['experiments', 'ls', '--json'])).stdout);
    expect(active.map((e: { name: string }) => e.name)).toEqual(['wine', 'cider']);
    expect((await cellar(['experiments', 'ls', '--all'])).stdout).toMatch(/^ale +2 +\S+ \S+ +deleted$/m);
    expect(JSON.parse((await cellar(['runs', 'ls', '--json'])).stdout).total).toBe(4);
    expect((await cellar(['experiments', 'restore', 'ale'])).stdout).toBe(
      "restored experiment 'ale' and its 2 runs\n",
    );
    expect(JSON.parse((await cellar(['runs', 'ls', '--json'])).stdout).total).toBe(6);
    expect(await cellar(['experiments', 'rename', 'nope', 'x'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `cellar experiments rename: experiment 'nope' not found in mlruns/cellar.db\n`,
    });
    expect((await cellar(['experiments', 'rename', 'wine'])).stderr).toBe(
      "cellar experiments rename: missing required argument 'new' (see 'cellar experiments rename --help')\n",
    );
  });
});

describe('cellar artifacts download', () => {
  beforeEach(() => {
    fs.writeFileSync(path.join(root, 'm.json'), '{"a":1}');
    fs.writeFileSync(path.join(root, 'cm.svg'), '<svg/>');
    const store = openStore({ root });
    store.logArtifact(ids['lr-base'], 'm.json', 'model/m.json');
    store.logArtifact(ids['lr-base'], 'cm.svg', 'plots/cm.svg');
    store.close();
  });

  it('copies every artifact, one folder or one file, keeping their paths', async () => {
    const all = await cellar(['artifacts', 'download', 'lr-base', '--out', 'dl']);
    expect(all).toEqual({
      code: 0,
      stdout: `${path.join('dl', 'model', 'm.json')}\n${path.join('dl', 'plots', 'cm.svg')}\n`,
      stderr: `downloaded 2 files (13 B) of run lr-base (${ids['lr-base'].slice(0, 8)})\n`,
    });
    expect(fs.readFileSync(path.join(root, 'dl/model/m.json'), 'utf8')).toBe('{"a":1}');
    expect(
      (await cellar(['artifacts', 'download', ids['lr-base'].slice(0, 8), 'plots/', '--out', 'p'])).stdout,
    ).toBe(`${path.join('p', 'plots', 'cm.svg')}\n`);
    expect(fs.existsSync(path.join(root, 'p/model'))).toBe(false);
    expect((await cellar(['artifacts', 'download', 'lr-base', 'model/m.json'])).code).toBe(0);
    expect(fs.readFileSync(path.join(root, 'model/m.json'), 'utf8')).toBe('{"a":1}');
  });

  it('refuses paths that leave the artifact folder and names missing artifacts', async () => {
    for (const bad of ['../wine', '/etc/passwd', 'model/../../x']) {
      const r = await cellar(['artifacts', 'download', 'lr-base', bad]);
      expect(r).toEqual({
        code: 2,
        stdout: '',
        stderr: `cellar artifacts download: artifact path '${bad}' leaves the run's artifact folder; give a path relative to it (see 'cellar artifacts download --help')\n`,
      });
    }
    expect(await cellar(['artifacts', 'download', 'lr-base', 'nope.txt'])).toEqual({
      code: 1,
      stdout: '',
      stderr: `cellar artifacts download: run ${ids['lr-base']} has no artifact 'nope.txt' (artifacts: model/m.json, plots/cm.svg)\n`,
    });
    expect((await cellar(['artifacts', 'download', 'rf-small'])).stderr).toBe(
      `cellar artifacts download: run ${ids['rf-small']} has no artifacts\n`,
    );
    expect((await cellar(['artifacts', 'download', 'zzz'])).stderr).toBe(
      "cellar artifacts download: run 'zzz' not found in mlruns/cellar.db\n",
    );
  });
});
