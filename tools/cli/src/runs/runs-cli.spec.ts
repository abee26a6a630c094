import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { FIXTURE_BASE_TIME, openStore, seedFixtureRuns } from '@cellar/tracking';
import { runKilledInChild } from '../testing/dead-run';
import { parseOlderThan, runsCli } from './runs-cli';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

let root: string;
let ids: Record<string, string>;
beforeEach(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cli-'));
  dirs.push(root);
  fs.writeFileSync(path.join(root, 'nx.json'), '{}');
  ids = seedFixtureRuns(root);
});

async function cli(
  argv: string[],
  cwd = root,
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runsCli(argv, {
    cwd,
    env,
    stdout: { write: (s: string) => (stdout += s) },
    stderr: { write: (s: string) => (stderr += s) },
  });
  return { code, stdout, stderr };
}

const id = (name: string) => ids[name].slice(0, 8);

describe('cellar runs ls', () => {
  it('lists newest first with metrics and the params that differ', async () => {
    const { code, stdout, stderr } = await cli(['ls', '--experiment', 'wine']);
    expect({ code, stderr }).toEqual({ code: 0, stderr: '' });
    expect(stdout).toBe(
      [
        'ID        NAME       STATUS    START (UTC)          DURATION  accuracy  f1 macro  log_loss  model.C  train.seed',
        `${id('rf_50%')}  rf_50%     RUNNING   2023-11-14 22:18:20         -       0.6         -         -  1.0      7`,
        `${id('rf-broken')}  rf-broken  FAILED    2023-11-14 22:15:20      3.0s         -         -         -  10       42`,
        `${id('rf-small')}  rf-small   FINISHED  2023-11-14 22:14:20      2.0s      0.68      0.52         -  0.1      42`,
        `${id('lr-base')}  lr-base    FINISHED  2023-11-14 22:13:20      1.0s      0.61       0.4         1  1.0      42`,
        '',
      ].join('\n'),
    );
  });

  it('filters, orders, limits and picks columns; works from a subfolder', async () => {
    fs.mkdirSync(path.join(root, 'apps', 'wine'), { recursive: true });
    const { code, stdout } = await cli(
      [
        'ls',
        '--filter',
        "metrics.accuracy > 0.6 or status = 'FAILED'",
        '--order-by',
        'metrics.accuracy DESC',
        '--max',
        '3',
        '--columns',
        'id,name,metrics.accuracy,params.model.C,tags.algorithm',
      ],
      path.join(root, 'apps', 'wine'),
    );
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        'ID        NAME        accuracy  model.C  tags.algorithm',
        `${id('killed-run')}  killed-run      0.72  -        -`,
        `${id('rf-small')}  rf-small        0.68  0.1      random_forest`,
        `${id('lr-base')}  lr-base         0.61  1.0      logistic_regression`,
        'showing 3 of 4 runs; use --max to see more',
        '',
      ].join('\n'),
    );
  });

  it('prints JSON with --json', async () => {
    const { stdout } = await cli(['ls', '--json', '--filter', "run_name = 'rf-beer'"]);
    const parsed = JSON.parse(stdout);
    expect(parsed.total).toBe(1);
    expect(parsed.runs[0]).toMatchObject({
      info: { runId: ids['rf-beer'], status: 'FINISHED', startTime: FIXTURE_BASE_TIME + 180_000 },
      params: { n_estimators: '100' },
      metrics: { accuracy: 0.55, log_loss: 0.7 },
    });
  });

  it('reports filter errors with a caret, unknown experiments and usage errors', async () => {
    expect(await cli(['ls', '--filter', 'metrics.accuracy accuracyy'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        "cellar runs: filter: expected a comparison operator at column 18 (got 'accuracyy')\n  metrics.accuracy accuracyy\n                   ^\n",
    });
    expect(await cli(['ls', '-e', 'nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "cellar runs: experiment 'nope' not found in mlruns/cellar.db (known: beer, wine)\n",
    });
    expect(await cli(['ls', '--bogus'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "cellar runs ls: unknown option '--bogus' (see 'cellar runs ls --help')\n",
    });
    expect((await cli(['ls', '--max', '0'])).stderr).toBe(
      "cellar runs: --max must be a positive integer (got '0') (see 'cellar runs --help')\n",
    );
    expect((await cli(['ls', '--columns', 'id,accuracy'])).stderr).toMatch(
      /^cellar runs: --columns: 'accuracy' is not a column \(unknown key 'accuracy'/,
    );
    expect(await cli(['frobnicate'])).toMatchObject({
      code: 2,
      stderr: "cellar runs: unknown command 'frobnicate' (see 'cellar runs --help')\n",
    });
    expect(await cli([])).toMatchObject({ code: 2, stdout: '' });
    expect(await cli(['--help'])).toMatchObject({ code: 0, stderr: '' });
  });

  it('says when there is no database and adds the stack with --verbose', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-cli-empty-'));
    dirs.push(empty);
    expect(await cli(['ls'], empty)).toEqual({
      code: 1,
      stdout: '',
      stderr: 'cellar runs: mlruns/cellar.db does not exist; no runs have been tracked yet\n',
    });
    const verbose = await cli(['ls', '--verbose'], empty);
    expect(verbose.stderr.split('\n')[0]).toBe(
      'cellar runs: mlruns/cellar.db does not exist; no runs have been tracked yet',
    );
    expect(verbose.stderr).toContain('TrackingError: mlruns/cellar.db does not exist');
    expect(verbose.stderr).toContain('at ');
  });

  it('follows CELLAR_TRACKING_DB from the given env', async () => {
    const { code, stderr } = await cli(['ls'], root, { CELLAR_TRACKING_DB: 'elsewhere/x.db' });
    expect({ code, stderr }).toEqual({
      code: 1,
      stderr: 'cellar runs: elsewhere/x.db does not exist; no runs have been tracked yet\n',
    });
  });
});

describe('cellar runs show / compare / diff', () => {
  it('show prints info, params, metrics, tags and artifacts for an id prefix', async () => {
    fs.writeFileSync(path.join(root, 'm.json'), '{"a":1}');
    const store = openStore({ root });
    store.logArtifact(ids['rf-broken'], 'm.json', 'model/m.json');
    store.close();
    const { code, stdout } = await cli(['show', ids['rf-broken'].slice(0, 10)]);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `run          ${ids['rf-broken']}`,
        'name         rf-broken',
        'experiment   wine',
        'status       FAILED',
        'start        2023-11-14 22:15:20 UTC',
        'end          2023-11-14 22:15:23 UTC',
        'duration     3.0s',
        `git commit   ${'a'.repeat(40)}`,
        'config hash  cfg-rf-broken',
        'data md5     d41d8cd98f00b204e9800998ecf8427e',
        'error        model.C must be <= 5 (got 10)',
        '',
        'params',
        '  model.C     10',
        '  train.seed  42',
        '',
        'metrics',
        '  (none)',
        '',
        'tags',
        '  algorithm  random_forest',
        '',
        'artifacts',
        '  PATH          SIZE  SHA256',
        '  model/m.json   7 B  015abd7f5cc57a2d',
        '',
      ].join('\n'),
    );
    expect(await cli(['show', 'zzz'])).toEqual({
      code: 1,
      stdout: '',
      stderr: "cellar runs: run 'zzz' not found in mlruns/cellar.db\n",
    });
    expect((await cli(['show'])).code).toBe(2);
  });

  it('compare puts params and metrics side by side and marks differing rows', async () => {
    const { code, stdout } = await cli(['compare', 'lr-base', 'rf-small', ids['rf_50%']]);
    expect(code).toBe(0);
    const h = `lr-base (${id('lr-base')})  rf-small (${id('rf-small')})  rf_50% (${id('rf_50%')})`;
    expect(stdout).toBe(
      [
        `   PARAM       ${h}`,
        '*  model.C     1.0                 0.1                  1.0',
        '*  train.seed  42                  42                   7',
        '',
        `   METRIC    ${h}`,
        '*  accuracy  0.61                0.68                 0.6',
        '*  f1 macro  0.4                 0.52                 -',
        '*  log_loss  1                   -                    -',
        '',
      ].join('\n'),
    );
    const same = await cli(['compare', 'lr-base', 'lr-base']);
    expect(same.stdout).toContain('\n  model.C     1.0                 1.0\n');
    expect(same.stdout).not.toContain('*');
    expect((await cli(['compare', 'lr-base'])).code).toBe(2);
  });

  it('diff shows metric changes (new - old) and differing params', async () => {
    const { code, stdout } = await cli(['diff', 'lr-base', 'rf-small']);
    expect(code).toBe(0);
    expect(stdout).toBe(
      [
        `Old: lr-base (${id('lr-base')})`,
        `New: rf-small (${id('rf-small')})`,
        '',
        'Metric     Old   New  Change',
        'accuracy  0.61  0.68    0.07',
        'f1 macro   0.4  0.52    0.12',
        'log_loss     1     -       -',
        '',
        'Param    Old  New',
        'model.C  1.0  0.1',
        '',
      ].join('\n'),
    );
    const all = await cli(['diff', 'rf_50%', 'lr-base', '--all']);
    expect(all.stdout).toContain('\naccuracy  0.6  0.61    0.01\nf1 macro    -   0.4       -\n');
    expect(all.stdout).toContain('train.seed  7    42');
    expect(all.stdout).toContain('model.C     1.0  1.0');
    const none = await cli(['diff', 'lr-base', 'lr-base']);
    expect(none.stdout.endsWith('metrics: no changes\n\nparams: no changes\n')).toBe(true);
  });
});

describe('a run whose process died (SIGKILL) without ending it', () => {
  it('is KILLED (stale) in ls, show and --json; KILLED once a writer has opened the store', async () => {
    const { runId, pid } = await runKilledInChild(root);
    const error = `process ${pid} on ${os.hostname()} ended without finishing the run`;
    const ls = await cli(['ls', '--experiment', 'liveness', '--columns', 'name,status,error']);
    expect(ls).toEqual({
      code: 0,
      stderr: '',
      stdout: `NAME   STATUS          ERROR\nhangs  KILLED (stale)  ${error}\n`,
    });
    const show = await cli(['show', runId.slice(0, 8)]);
    expect(show.stdout).toMatch(/^status +KILLED \(stale\)$/m);
    expect(show.stdout).toContain(`error        ${error}\n`);
    const json = JSON.parse((await cli(['ls', '--experiment', 'liveness', '--json'])).stdout);
    expect(json.runs[0].info).toMatchObject({ runId, status: 'KILLED', stale: true, endTime: null, error });
    // The fixture's RUNNING run was opened by this process, which is alive.
    expect((await cli(['ls', '--columns', 'name,status', '--filter', "run_name = 'rf_50%'"])).stdout).toBe(
      'NAME    STATUS\nrf_50%  RUNNING\n',
    );

    openStore({ root }).close();
    expect((await cli(['ls', '--experiment', 'liveness', '--columns', 'name,status'])).stdout).toBe(
      'NAME   STATUS\nhangs  KILLED\n',
    );
    const recorded = JSON.parse((await cli(['ls', '--experiment', 'liveness', '--json'])).stdout);
    expect(recorded.runs[0].info).toMatchObject({ status: 'KILLED', error });
    expect(recorded.runs[0].info.stale).toBeUndefined();
  }, 30_000);
});

describe('cellar runs gc', () => {
  const brokenRow = () => `${id('rf-broken')}  rf-broken  FAILED  wine        2023-11-14 22:15:20\n`;
  const oneTable = () => `ID        NAME       STATUS  EXPERIMENT  START (UTC)\n${brokenRow()}`;

  it('without --yes lists what it would remove, removes nothing and says to add --yes', async () => {
    fs.writeFileSync(path.join(root, 'blob.bin'), Buffer.alloc(2048));
    const store = openStore({ root });
    store.logArtifact(ids['rf-broken'], 'blob.bin');
    const brokenDir = path.join(store.artifactRoot, 'wine', ids['rf-broken']);
    store.close();

    const twoTable = [
      'ID        NAME        STATUS  EXPERIMENT  START (UTC)',
      `${id('rf-broken')}  rf-broken   FAILED  wine        2023-11-14 22:15:20`,
      `${id('killed-run')}  killed-run  KILLED  beer        2023-11-14 22:17:20`,
      '',
    ].join('\n');
    const preview = {
      code: 0,
      stderr: '',
      stdout: `would remove 2 runs (2.0 KiB of artifacts)\n${twoTable}nothing removed; add --yes to remove these 2 runs\n`,
    };
    expect(await cli(['gc'])).toEqual(preview);
    expect(await cli(['gc', '--dry-run'])).toEqual(preview);
    expect(await cli(['gc', '--older-than', '2023-11-14T22:16:00Z'])).toEqual({
      code: 0,
      stderr: '',
      stdout: `would remove 1 run (2.0 KiB of artifacts)\n${oneTable()}nothing removed; add --yes to remove this run\n`,
    });
    expect(fs.existsSync(brokenDir)).toBe(true);
    expect(JSON.parse((await cli(['ls', '--json'])).stdout).total).toBe(6);
  });

  it('with --yes removes FAILED/KILLED runs and their artifact folders', async () => {
    fs.writeFileSync(path.join(root, 'blob.bin'), Buffer.alloc(2048));
    const store = openStore({ root });
    store.logArtifact(ids['rf-broken'], 'blob.bin');
    store.logArtifact(ids['lr-base'], 'blob.bin');
    const brokenDir = path.join(store.artifactRoot, 'wine', ids['rf-broken']);
    store.close();

    expect(await cli(['gc', '--older-than', '2023-11-14T22:16:00Z', '--yes'])).toEqual({
      code: 0,
      stderr: '',
      stdout: `removed 1 run (2.0 KiB of artifacts)\n${oneTable()}`,
    });
    expect(fs.existsSync(brokenDir)).toBe(false);
    expect((await cli(['gc', '--status', 'killed,failed', '-y'])).stdout.split('\n')[0]).toBe(
      'removed 1 run (0 B of artifacts)',
    );
    expect(await cli(['gc'])).toEqual({ code: 0, stderr: '', stdout: 'nothing to remove\n' });
    const left = await cli(['ls', '--columns', 'name,status']);
    expect(left.stdout).toBe(
      'NAME      STATUS\nrf_50%    RUNNING\nrf-beer   FINISHED\nrf-small  FINISHED\nlr-base   FINISHED\n',
    );
    expect((await cli(['gc', '--status', 'DONE'])).stderr).toBe(
      "cellar runs: --status: unknown status 'DONE'; use RUNNING, FINISHED, FAILED, KILLED (see 'cellar runs --help')\n",
    );
    expect(await cli(['gc', '--yes', '--dry-run'])).toEqual({
      code: 2,
      stdout: '',
      stderr:
        "cellar runs: gc: --yes and --dry-run contradict each other; use one (see 'cellar runs --help')\n",
    });
  });

  it('without --yes shows the first 5 of many runs and the count of the rest; --dry-run shows all', async () => {
    const store = openStore({ root });
    for (let i = 0; i < 7; i++) {
      const run = store.createRun({ experiment: 'beer', runName: `failed-${i}` });
      store.endRun(run.runId, 'FAILED', 'boom');
    }
    store.close();
    const preview = await cli(['gc', '--status', 'FAILED']);
    const lines = preview.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('would remove 8 runs (0 B of artifacts)');
    // Oldest first; the seven new runs may share a millisecond, so their order is not asserted.
    const names = (rows: string[]) => rows.map((l) => l.split(/ +/)[1]);
    expect(names(lines.slice(2, 7))).toEqual([
      'rf-broken',
      ...Array(4).fill(expect.stringMatching(/^failed-\d$/)),
    ]);
    expect(lines.slice(7)).toEqual([
      '... and 3 more (--dry-run lists them all)',
      'nothing removed; add --yes to remove these 8 runs',
    ]);
    const all = (await cli(['gc', '--status', 'FAILED', '--dry-run'])).stdout.trimEnd().split('\n');
    expect(names(all.slice(2, 10)).sort()).toEqual([
      ...Array.from({ length: 7 }, (_, i) => `failed-${i}`),
      'rf-broken',
    ]);
    expect(all.slice(10)).toEqual(['nothing removed; add --yes to remove these 8 runs']);
    expect((await cli(['ls', '--filter', "status = 'FAILED'", '--json'])).stdout).toContain('"total": 8');
  });

  it('with --deleted purges only the soft-deleted runs, of any status', async () => {
    const store = openStore({ root });
    store.setRunLifecycle(ids['lr-base'], 'deleted');
    store.close();
    const dryRun = (await cli(['gc', '--deleted', '--dry-run'])).stdout.split('\n');
    expect(dryRun[0]).toBe('would remove 1 run (0 B of artifacts)');
    expect(dryRun[2].split(/ +/).slice(1, 3)).toEqual(['lr-base', 'FINISHED']);
    expect((await cli(['gc', '--deleted', '--yes'])).stdout.split('\n')[0]).toBe(
      'removed 1 run (0 B of artifacts)',
    );
    const reopened = openStore({ root });
    try {
      expect(() => reopened.getRun(ids['lr-base'])).toThrow(/not found|no run/i);
      // the FAILED and KILLED runs are still there: they were never deleted
      expect(reopened.getRun(ids['rf-broken']).info.status).toBe('FAILED');
    } finally {
      reopened.close();
    }
    expect(await cli(['gc', '--deleted'])).toEqual({ code: 0, stderr: '', stdout: 'nothing to remove\n' });
  });

  it('says in its help that it deletes only with --yes', async () => {
    const { code, stdout } = await cli(['gc', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: cellar runs gc \[options\]\n/);
    expect(stdout.replace(/\s+/g, ' ')).toContain('without --yes it only lists the runs it would delete');
    expect(stdout).toMatch(/^ {2}-y, --yes +delete them$/m);
  });

  it('parses --older-than as a duration or a date', () => {
    const now = Date.UTC(2026, 0, 31);
    expect(parseOlderThan('30d', now)).toBe(Date.UTC(2026, 0, 1));
    expect(parseOlderThan('12h', now)).toBe(now - 12 * 3_600_000);
    expect(parseOlderThan('90min', now)).toBe(now - 90 * 60_000);
    expect(parseOlderThan('2w', now)).toBe(Date.UTC(2026, 0, 17));
    expect(parseOlderThan('2026-01-01', now)).toBe(Date.UTC(2026, 0, 1));
    expect(() => parseOlderThan('last week', now)).toThrow(
      "--older-than must be like 30d, 12h, 90min or 2026-01-01 (got 'last week')",
    );
  });
});
