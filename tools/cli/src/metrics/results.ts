// A checkout's pipeline results: build its `evaluate` targets through nx (cache first), then read
// what they wrote. The project graph comes from the checkout's own nx and plugin.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { composeConfig, errorMessage, flattenConfig, loadPipelineSpec } from '@cellar/config';
import { revisionLabel } from './diff';
import { MetricsError } from './metrics-error';
import type { Checkout } from './revision';

export const EVALUATE_EXECUTOR = '@cellar/nx:evaluate';
export const SWEEP_EXECUTOR = '@cellar/nx:sweep';
/** Before sweeps were batched whole, points had an executor of their own (older revisions). */
export const SWEEP_POINT_EXECUTOR = '@cellar/nx:sweep-point';

export interface ConfusionMatrix {
  labels: number[];
  matrix: number[][];
}

export interface PipelineResult {
  name: string;
  root: string;
  model: string;
  /** The numeric entries of `<root>/metrics.json`. */
  metrics: Record<string, number>;
  /** The composed config, flattened (`model.C`, `train.test_size`), as runs log their params. */
  params: Record<string, string>;
  /** Why params could not be composed (the revision's config no longer composes with this CLI). */
  paramsError?: string;
  confusion?: ConfusionMatrix;
}

export interface SweepPointResult {
  id: string;
  model: string;
  /** `model.C=0.1` overrides as key -> value. */
  params: Record<string, string>;
  metrics: Record<string, number> | null;
}

export interface SweepResult {
  name: string;
  points: SweepPointResult[];
}

/** Which tasks the build restored and which it computed. Tasks that are never cached are left out. */
export interface BuildSummary {
  tasks: number;
  localCache: string[];
  remoteCache: string[];
  computed: string[];
}

export interface RevisionResults {
  rev: string;
  sha: string | null;
  pipelines: PipelineResult[];
  sweeps: SweepResult[];
  build: BuildSummary;
}

interface GraphTarget {
  executor?: string;
  command?: string;
  cache?: boolean;
  options?: Record<string, unknown>;
}

interface GraphNode {
  name: string;
  type: string;
  data: {
    root: string;
    tags?: string[];
    targets?: Record<string, GraphTarget>;
    metadata?: Record<string, unknown>;
  };
}

export interface ProjectGraphJson {
  graph: { nodes: Record<string, GraphNode> };
}

export interface RunNx {
  (dir: string, args: string[], env: NodeJS.ProcessEnv): { code: number; output: string };
}

/** `node <checkout>/node_modules/nx/dist/bin/nx.js ...`: the checkout's own nx, never a global one. */
export const runNx: RunNx = (dir, args, env) => {
  const bin = path.join(dir, 'node_modules/nx/dist/bin/nx.js');
  const r = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    env: { NX_TUI: 'false', NX_NO_CLOUD: 'true', FORCE_COLOR: '0', ...env },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return { code: r.status ?? 1, output: `${r.stdout ?? ''}${r.stderr ?? ''}` };
};

export function readProjectGraph(dir: string, env: NodeJS.ProcessEnv, nx: RunNx = runNx): ProjectGraphJson {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-graph-'));
  try {
    const file = path.join(tmp, 'graph.json');
    const r = nx(dir, ['graph', `--file=${file}`], env);
    if (r.code !== 0 || !fs.existsSync(file)) {
      throw new MetricsError('NX_FAILED', `nx graph failed in ${dir}:\n${tail(r.output)}`);
    }
    return JSON.parse(fs.readFileSync(file, 'utf8')) as ProjectGraphJson;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function targetWith(node: GraphNode, executor: string): [string, GraphTarget] | undefined {
  return Object.entries(node.data.targets ?? {}).find(([, t]) => t.executor === executor);
}

/** Pipelines: projects with an `@cellar/nx:evaluate` target, by name. */
export function pipelineProjects(graph: ProjectGraphJson): Array<{ node: GraphNode; evaluate: string }> {
  return Object.values(graph.graph.nodes)
    .map((node) => ({ node, t: targetWith(node, EVALUATE_EXECUTOR) }))
    .filter((x): x is { node: GraphNode; t: [string, GraphTarget] } => x.t !== undefined)
    .map(({ node, t }) => ({ node, evaluate: t[0] }))
    .sort((a, b) => a.node.name.localeCompare(b.node.name));
}

/** Parses `run-many --output-style=static`: `> nx run p:t  [local cache]`. */
export function summarizeBuild(output: string, cacheable: Set<string>): BuildSummary {
  const summary: BuildSummary = { tasks: 0, localCache: [], remoteCache: [], computed: [] };
  for (const m of output.matchAll(/^> nx run (\S+?)(?:\s+\[(local|remote) cache\])?\s*$/gm)) {
    const task = m[1];
    if (!cacheable.has(task)) continue;
    summary.tasks += 1;
    if (m[2] === 'local') summary.localCache.push(task);
    else if (m[2] === 'remote') summary.remoteCache.push(task);
    else summary.computed.push(task);
  }
  return summary;
}

export interface CollectOptions {
  env: NodeJS.ProcessEnv;
  /** Also read sweep points that are on disk (plots); they are not built. */
  sweeps?: boolean;
  nx?: RunNx;
  /** Receives nx's output (for --verbose). */
  log?: (text: string) => void;
}

/** Builds every pipeline's evaluate target in the checkout (cache first) and reads the results. */
export function collectResults(checkout: Checkout, opts: CollectOptions): RevisionResults {
  const nx = opts.nx ?? runNx;
  const graph = readProjectGraph(checkout.dir, opts.env, nx);
  const pipelines = pipelineProjects(graph);
  const cacheable = new Set<string>();
  for (const node of Object.values(graph.graph.nodes)) {
    for (const [t, cfg] of Object.entries(node.data.targets ?? {})) {
      if (cfg.cache) cacheable.add(`${node.name}:${t}`);
    }
  }
  let build: BuildSummary = { tasks: 0, localCache: [], remoteCache: [], computed: [] };
  const byTarget = new Map<string, string[]>();
  for (const p of pipelines) byTarget.set(p.evaluate, [...(byTarget.get(p.evaluate) ?? []), p.node.name]);
  for (const [target, names] of byTarget) {
    const r = nx(
      checkout.dir,
      ['run-many', '-t', target, '-p', names.join(','), '--output-style=static'],
      opts.env,
    );
    opts.log?.(r.output);
    if (r.code !== 0) {
      throw new MetricsError(
        'NX_FAILED',
        `nx run-many -t ${target} failed for ${describeCheckout(checkout)}:\n${tail(r.output)}`,
      );
    }
    const s = summarizeBuild(r.output, cacheable);
    build = {
      tasks: build.tasks + s.tasks,
      localCache: [...build.localCache, ...s.localCache],
      remoteCache: [...build.remoteCache, ...s.remoteCache],
      computed: [...build.computed, ...s.computed],
    };
  }
  return {
    rev: checkout.rev,
    sha: checkout.sha,
    pipelines: pipelines.map(({ node, evaluate }) =>
      readPipeline(checkout.dir, node, node.data.targets?.[evaluate]?.options ?? {}, opts.env),
    ),
    sweeps: opts.sweeps ? readSweeps(checkout.dir, graph) : [],
    build,
  };
}

/** For messages: `main (6eead00)`, or `the working tree`. */
export function describeCheckout(checkout: { rev: string; sha: string | null }): string {
  return checkout.sha ? revisionLabel(checkout) : 'the working tree';
}

function readPipeline(
  dir: string,
  node: GraphNode,
  options: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
): PipelineResult {
  const root = node.data.root;
  const metrics = numericEntries(readJson(path.join(dir, root, 'metrics.json')));
  const detailed = readJson(path.join(dir, root, 'reports/metrics_detailed.json')) as {
    confusion_matrix?: ConfusionMatrix;
  } | null;
  const model = (node.data.tags ?? []).find((t) => t.startsWith('model:'))?.slice('model:'.length) ?? '';
  const result: PipelineResult = { name: node.name, root, model, metrics, params: {} };
  if (detailed?.confusion_matrix) result.confusion = detailed.confusion_matrix;
  try {
    const spec = loadPipelineSpec(dir, String(options.pipeline ?? `${root}/pipeline.yaml`));
    const composed = composeConfig({
      root: dir,
      model: spec.model,
      pipelineOverrides: spec.overrides,
      pipelineFile: spec.file,
      configDir: typeof options.configDir === 'string' ? options.configDir : undefined,
      env,
    });
    result.model = spec.model;
    result.params = flattenConfig(composed.resolved);
  } catch (e) {
    result.paramsError = errorMessage(e);
  }
  return result;
}

/** A sweep point's target: `@cellar/nx:sweep` with an `id` option, or an older revision's `@cellar/nx:sweep-point`. */
function pointTarget(node: GraphNode): [string, GraphTarget] | undefined {
  return Object.entries(node.data.targets ?? {}).find(
    ([, t]) =>
      t.executor === SWEEP_POINT_EXECUTOR ||
      (t.executor === SWEEP_EXECUTOR && typeof t.options?.id === 'string'),
  );
}

/** Sweep point projects whose metrics.json is on disk, grouped by sweep. */
function readSweeps(dir: string, graph: ProjectGraphJson): SweepResult[] {
  const sweeps = new Map<string, SweepPointResult[]>();
  for (const node of Object.values(graph.graph.nodes)) {
    const t = pointTarget(node);
    if (!t) continue;
    const sweep = (node.data.tags ?? []).find((x) => x.startsWith('sweep:'))?.slice('sweep:'.length) ?? '';
    const o = t[1].options ?? {};
    const params: Record<string, string> = {};
    for (const ov of (o.overrides as string[] | undefined) ?? []) {
      const eq = ov.indexOf('=');
      if (eq > 0) params[ov.slice(0, eq).replace(/^[+~]+/, '')] = ov.slice(eq + 1);
    }
    const raw = readJson(path.join(dir, node.data.root, 'metrics.json'));
    sweeps.set(sweep, [
      ...(sweeps.get(sweep) ?? []),
      {
        id: String(o.id ?? node.name),
        model: String(o.model ?? ''),
        params,
        metrics: raw === null ? null : numericEntries(raw),
      },
    ]);
  }
  return [...sweeps.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, points]) => ({ name, points: points.sort((a, b) => a.id.localeCompare(b.id)) }));
}

function readJson(file: string): unknown {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as unknown;
  } catch {
    return null;
  }
}

function numericEntries(value: unknown): Record<string, number> {
  if (value === null || typeof value !== 'object') return {};
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).filter(
      (e): e is [string, number] => typeof e[1] === 'number' && Number.isFinite(e[1]),
    ),
  );
}

function tail(text: string, lines = 30): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
