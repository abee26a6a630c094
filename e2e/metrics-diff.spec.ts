// GitOps review end to end: real git, real nx, a real cache server. Commit A, commit B with
// model.C: 0.1; once both were built, `cellar metrics diff A B` restores both from the cache (no new
// run), names wine-logreg and model.C only; `cellar report` writes the same table and valid SVGs.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCacheServer, type CacheServer, type RequestLogRecord } from '@cellar/cache-server';
import { createTempWorkspace, type RunResult, type TempWorkspace } from './workspace';

const PIPELINES = ['wine-gradient-boosting', 'wine-logreg', 'wine-random-forest'];
const WRITE = 'write-token-for-main-ci';
const READ = 'read-token-for-pull-requests';
// Each cellar run builds two revisions through nx (~10 s each on a quiet 2-core box, 30-50 s loaded).
const SLOW = 300_000;

let ws: TempWorkspace;
let server: CacheServer;
let A: string;
let B: string;
/** Nx's output of building A and B, for a failure message. */
const builds: string[] = [];
const metricsAt: Record<string, Record<string, Record<string, number>>> = {};
const requests: RequestLogRecord[] = [];

interface DiffJson {
  base: { rev: string; sha: string; build: Build };
  head: { rev: string; sha: string | null; build: Build };
  pipelines: Array<{
    name: string;
    status: string;
    metrics: Array<{ name: string; base: number | null; head: number | null; change: number | null }>;
    params: Array<{ name: string; base: string | null; head: string | null }>;
  }>;
}
interface Build {
  tasks: number;
  localCache: string[];
  remoteCache: string[];
  computed: string[];
}

/** The cellar bin without blocking this process's event loop (the cache server lives here). */
function cellarAsync(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<RunResult> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(ws.root, 'tools/cli/bin/cellar.js'), ...args], {
      cwd: ws.root,
      env: { ...ws.env, ...extraEnv },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => done({ code: code ?? 1, stdout, stderr, output: stdout + stderr }));
  });
}

interface ListedRun {
  info: { runName: string; status: string; startTime: number; gitCommit: string | null };
  tags: Record<string, string>;
}

function trackedRuns(): ListedRun[] {
  if (!existsSync(join(ws.root, 'mlruns/cellar.db'))) return [];
  const r = ws.cellar(['runs', 'ls', '--json', '--max', '1000']);
  expect(r.code, r.output).toBe(0);
  return (JSON.parse(r.stdout) as { runs: ListedRun[] }).runs;
}

function runCount(): number {
  return trackedRuns().length;
}

/** One line per run, oldest first: what a wrong count is made of. */
function describeRuns(): string {
  return trackedRuns()
    .sort((x, y) => x.info.startTime - y.info.startTime)
    .map((x) => `${x.info.runName} ${x.info.status} ${x.info.gitCommit?.slice(0, 7)} ${x.tags.source ?? ''}`)
    .join('\n');
}

/**
 * Nx's record of every train task (hash, status, start), and the cache server's log: whether a
 * task ran again at B because its hash changed or because its cache entry was not found.
 */
function describeCaching(): string {
  const dataDir = join(ws.root, '.nx/workspace-data');
  const db = readdirSync(dataDir).find((f) => f.endsWith('.db'));
  let history = `no Nx database in ${dataDir}`;
  if (db !== undefined) {
    const conn = new Database(join(dataDir, db), { readonly: true, fileMustExist: true });
    try {
      history = conn
        .prepare(
          `SELECT d.project, d.target, h.hash, h.status, h.start, (SELECT count(*) FROM cache_outputs c WHERE c.hash = h.hash) AS cached
           FROM task_history h JOIN task_details d ON d.hash = h.hash WHERE d.target = 'train' ORDER BY h.start`,
        )
        .all()
        .map((r) => Object.values(r as Record<string, unknown>).join(' '))
        .join('\n');
    } finally {
      conn.close();
    }
  }
  const log = requests.map(
    (r) => `${r.method} ${r.hash ?? r.path} ${r.status} ${r.ms}ms${r.error ? ` ${r.error}` : ''}`,
  );
  return `--- nx task history (train):\n${history}\n--- cache server:\n${log.join('\n')}`;
}

function readMetrics(): Record<string, Record<string, number>> {
  return Object.fromEntries(
    PIPELINES.map((p) => [p, JSON.parse(readFileSync(join(ws.root, `apps/${p}/metrics.json`), 'utf8'))]),
  );
}

const remoteEnv = (token: string) => ({
  NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
  NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
});

/** XML well-formedness by Python's parser when there is one, else a tag-balance check; root <svg>. */
function expectValidSvg(file: string): void {
  const text = readFileSync(file, 'utf8');
  expect(text.trimStart().startsWith('<svg xmlns="http://www.w3.org/2000/svg"'), file).toBe(true);
  const py = spawnSync(
    'python3',
    ['-c', 'import sys,xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().tag)', file],
    { encoding: 'utf8' },
  );
  if (py.error === undefined) {
    expect(py.status, py.stderr).toBe(0);
    expect(py.stdout.trim()).toBe('{http://www.w3.org/2000/svg}svg');
    return;
  }
  const stack: string[] = [];
  for (const m of text.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) expect(stack.pop(), `${file}: </${m[2]}>`).toBe(m[2]);
    else stack.push(m[2]);
  }
  expect(stack, file).toEqual([]);
}

beforeAll(async () => {
  ws = createTempWorkspace('cellar-diff-');
  server = await startCacheServer({
    port: 0,
    storage: { kind: 'dir', path: mkdtempSync(join(tmpdir(), 'cellar-diff-cache-')) },
    tokens: [
      { name: 'main', token: WRITE, access: 'read-write' },
      { name: 'pr', token: READ, access: 'read' },
    ],
    log: (r) => {
      if ('method' in r) requests.push(r as RequestLogRecord);
    },
  });
  // Commit A built (and uploaded, as main's CI would); commit B = A + model.C: 0.1, built too.
  A = ws.git(['rev-parse', 'HEAD']).trim();
  const a = await ws.nxAsync(['run-many', '-t', 'evaluate', '--output-style=static'], remoteEnv(WRITE));
  expect(a.code, a.output).toBe(0);
  builds.push(a.output);
  metricsAt.A = readMetrics();
  const file = join(ws.root, 'configs/model/logreg.yaml');
  const yaml = readFileSync(file, 'utf8');
  expect(yaml).toMatch(/^ {2}C: 1\.0$/m);
  writeFileSync(file, yaml.replace(/^ {2}C: 1\.0$/m, '  C: 0.1'));
  ws.git(['commit', '-qam', 'logreg: C = 0.1']);
  B = ws.git(['rev-parse', 'HEAD']).trim();
  const b = await ws.nxAsync(['run-many', '-t', 'evaluate', '--output-style=static'], remoteEnv(WRITE));
  expect(b.code, b.output).toBe(0);
  builds.push(b.output);
  metricsAt.B = readMetrics();
}, 300_000);

afterAll(async () => {
  await server?.close();
  ws?.dispose();
});

function expectLogregOnly(d: DiffJson): void {
  expect(d.pipelines.map((p) => [p.name, p.status])).toEqual([['wine-logreg', 'modified']]);
  const [p] = d.pipelines;
  const acc = p.metrics.find((m) => m.name === 'accuracy');
  expect(acc).toEqual({
    name: 'accuracy',
    base: metricsAt.A['wine-logreg'].accuracy,
    head: metricsAt.B['wine-logreg'].accuracy,
    change: metricsAt.B['wine-logreg'].accuracy - metricsAt.A['wine-logreg'].accuracy,
  });
  expect(acc?.change).not.toBe(0);
  expect(p.params).toEqual([{ name: 'model.C', base: '1', head: '0.1' }]);
}

describe('cellar metrics diff A B', () => {
  it(
    'shows the accuracy change of wine-logreg only and model.C, restored from the local cache',
    async () => {
      const before = runCount();
      // A trained three pipelines, B only wine-logreg. Under load Nx 23.3.1 sometimes starts a sibling's
      // cached train at B without a lookup; train then gives the run of its task hash back (restore-run.ts).
      expect(
        before,
        `${describeRuns()}\n${describeCaching()}\n--- nx at A, then B:\n${builds.join('\n---\n')}`,
      ).toBe(4);
      const r = await cellarAsync(['metrics', 'diff', A, B, '--json']);
      expect(r.code, r.output).toBe(0);
      const d = JSON.parse(r.stdout) as DiffJson;
      expect([d.base.sha, d.head.sha]).toEqual([A, B]);
      expectLogregOnly(d);
      for (const side of [d.base, d.head]) {
        expect(side.build.computed).toEqual([]);
        expect(side.build.localCache.sort()).toEqual(
          PIPELINES.flatMap((p) => [`${p}:evaluate`, `${p}:train`]).sort(),
        );
      }
      expect(runCount()).toBe(before);
      // The temporary worktrees are gone, from disk and from git.
      expect(ws.git(['worktree', 'list', '--porcelain']).match(/^worktree /gm)).toHaveLength(1);
    },
    SLOW,
  );

  it(
    'with an empty local cache and a read-only remote holding A and B: restores A from the remote, trains nothing',
    async () => {
      const before = runCount();
      requests.length = 0;
      const fresh = mkdtempSync(join(tmpdir(), 'cellar-diff-empty-'));
      const r = await cellarAsync(['metrics', 'diff', A, B, '--json'], {
        ...remoteEnv(READ),
        NX_CACHE_DIRECTORY: join(fresh, 'cache'),
        NX_WORKSPACE_DATA_DIRECTORY: join(fresh, 'workspace-data'),
      });
      expect(r.code, r.output).toBe(0);
      const d = JSON.parse(r.stdout) as DiffJson;
      expectLogregOnly(d);
      expect(d.base.build.computed).toEqual([]);
      expect(d.base.build.remoteCache.sort()).toEqual(
        PIPELINES.flatMap((p) => [`${p}:evaluate`, `${p}:train`]).sort(),
      );
      expect(d.head.build.computed).toEqual([]);
      expect(requests.filter((x) => x.method === 'GET' && x.status === 200).length).toBeGreaterThanOrEqual(6);
      expect(requests.filter((x) => x.method === 'PUT')).toHaveLength(0);
      expect(runCount()).toBe(before);
      expect(readdirSync(join(fresh, 'cache')).length).toBeGreaterThan(0);
    },
    SLOW,
  );
});

describe('cellar report --base A', () => {
  it(
    'writes markdown whose table is the diff, with plot links to valid SVG files',
    async () => {
      // The working tree is B: the report's head.
      const md = await cellarAsync(['metrics', 'diff', A, '--md']);
      expect(md.code, md.output).toBe(0);
      const r = await cellarAsync(['report', '--base', A, '--out', 'out/report.md']);
      expect(r.code, r.output).toBe(0);
      const file = resolve(ws.root, 'out/report.md');
      const report = readFileSync(file, 'utf8');
      expect(report.startsWith('<!-- cellar-report -->\n')).toBe(true);
      expect(report).toContain(md.stdout.trimEnd());
      expect(md.stdout).toContain(
        `| wine-logreg | modified | accuracy | ${metricsAt.A['wine-logreg'].accuracy.toFixed(4)} | ${metricsAt.B['wine-logreg'].accuracy.toFixed(4)} |`,
      );
      expect(md.stdout).toContain('| wine-logreg | `model.C` | 1 | 0.1 |');
      const links = [...report.matchAll(/\]\((plots\/[^)]+)\)/g)].map((m) => m[1]);
      expect(links).toContain('plots/diff-accuracy.svg');
      expect(links).toContain('plots/diff-wine-logreg-confusion.svg');
      for (const link of links) {
        const target = join(dirname(file), link);
        expect(existsSync(target), link).toBe(true);
        if (link.endsWith('.svg')) expectValidSvg(target);
      }
      const html = readFileSync(join(dirname(file), 'plots/index.html'), 'utf8');
      expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
    },
    SLOW,
  );
});
