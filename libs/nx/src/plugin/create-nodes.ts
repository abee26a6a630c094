import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CreateNodes, CreateNodesResult } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import { dataConfigFile, loadSweep, parseOverride, selectDataset, sweepPointId } from '@cellar/config/light';
import { codeInputs, locatePackage } from './code-inputs';
import { envReferences } from './env-inputs';
import {
  inferPipelineProject,
  inferSweepProjects,
  type DataDeclaration,
  type InferContext,
  type SweepPointDeclaration,
} from './infer-targets';
import { normalizeOptions, type CellarPluginOptions, type NormalizedPluginOptions } from './options';

// This file runs on every `nx` command: it reads a few YAML files and nothing else (no ML code, and
// no config schema: @cellar/config/light is the sweep grid's expansion and the config-file lookup).

export const DECLARATION_GLOB = '**/{pipeline,sweep}.yaml';

function readYamlMap(workspaceRoot: string, file: string): Record<string, unknown> {
  let doc: unknown;
  try {
    doc = parse(readFileSync(join(workspaceRoot, file), 'utf8'));
  } catch (e) {
    throw new Error(`${file}: not valid YAML (${(e as Error).message.split('\n')[0]})`);
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
    throw new Error(`${file}: expected a YAML map at the top level`);
  }
  return doc as Record<string, unknown>;
}

function requireString(doc: Record<string, unknown>, key: string, file: string): string {
  const v = doc[key];
  if (typeof v !== 'string' || v === '') throw new Error(`${file}: '${key}' must be a non-empty string`);
  return v;
}

function optionalString(doc: Record<string, unknown>, key: string): string | undefined {
  return typeof doc[key] === 'string' ? (doc[key] as string) : undefined;
}

function stringList(doc: Record<string, unknown>, key: string): string[] {
  const v = doc[key];
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/**
 * The data set a pipeline selects (`data:`, or a `data=<name>` override, or the only one) and the
 * pointer its file names. Never throws: a data set that cannot be read is undefined (or has no
 * pointer), the targets then hash and pull every data set, and train reports the problem.
 */
export function readDataDeclaration(
  workspaceRoot: string,
  configDir: string,
  selected: unknown,
  overrides: string[] = [],
): DataDeclaration | undefined {
  let name = typeof selected === 'string' ? selected : undefined;
  for (const text of overrides) {
    try {
      const ov = parseOverride(text);
      if (ov.action === 'set' && ov.key === 'data' && typeof ov.value === 'string') name = ov.value;
    } catch {
      // train reports a bad override with its file
    }
  }
  try {
    name = selectDataset(workspaceRoot, name, configDir);
  } catch {
    return undefined;
  }
  const file = dataConfigFile(name, configDir);
  let pointer: string | null = null;
  try {
    const doc = parse(readFileSync(join(workspaceRoot, file), 'utf8')) as Record<string, unknown> | null;
    const p = doc?.pointer;
    // A plain relative path only: an interpolated or absolute one cannot be an Nx input.
    if (typeof p === 'string' && p !== '' && !p.includes('${') && !p.startsWith('/') && !p.includes('..'))
      pointer = p.replace(/^\.\//, '');
  } catch {
    // broken YAML: train reports it with its line
  }
  return { name, file, pointer };
}

export function inferProjectFromFile(
  file: string,
  workspaceRoot: string,
  ctx: InferContext,
): CreateNodesResult {
  const root = dirname(file);
  const name = basename(root);
  const doc = readYamlMap(workspaceRoot, file);
  const description = optionalString(doc, 'description');
  if (minimatch(file, ctx.options.pipelines)) {
    const model = requireString(doc, 'model', file);
    const { configDir } = ctx.options;
    const overrides = stringList(doc, 'overrides');
    const data = readDataDeclaration(workspaceRoot, configDir, doc.data, overrides);
    const env = envReferences(
      workspaceRoot,
      [`${configDir}/train/base.yaml`, ...(data ? [data.file] : []), `${configDir}/model/${model}.yaml`],
      overrides,
    );
    return {
      projects: { [root]: inferPipelineProject({ root, name, file, model, data, description, env }, ctx) },
    };
  }
  const sweep = requireString(doc, 'sweep', file);
  const points = sweepPoints(workspaceRoot, sweep, ctx);
  return { projects: inferSweepProjects({ root, name, file, sweep, description, points }, ctx) };
}

/**
 * The grid's points. A broken sweep file gives no points rather than an error: an error here would
 * stop every nx command, while the sweep target reports it with its file and key.
 */
export function sweepPoints(
  workspaceRoot: string,
  sweep: string,
  ctx: InferContext,
): SweepPointDeclaration[] {
  const { configDir } = ctx.options;
  let runs;
  try {
    runs = loadSweep(workspaceRoot, sweep, configDir).runs;
  } catch {
    return [];
  }
  const seen = new Set<string>();
  const points: SweepPointDeclaration[] = [];
  const dataSets = new Map<string, DataDeclaration | undefined>();
  for (const run of runs) {
    const id = sweepPointId(run);
    if (seen.has(id)) continue; // the same combination twice is one point
    seen.add(id);
    const key = JSON.stringify([run.data, run.overrides.filter((o) => /^\s*data\s*=/.test(o))]);
    if (!dataSets.has(key))
      dataSets.set(key, readDataDeclaration(workspaceRoot, configDir, run.data, run.overrides));
    const data = dataSets.get(key);
    const env = envReferences(
      workspaceRoot,
      [`${configDir}/train/base.yaml`, ...(data ? [data.file] : []), `${configDir}/model/${run.model}.yaml`],
      run.overrides,
    );
    points.push({ id, data, model: run.model, overrides: run.overrides, env });
  }
  return points;
}

/** The declarations the options select, so that a stray pipeline.yaml elsewhere is not a project. */
export function selectDeclarations(files: readonly string[], options: NormalizedPluginOptions): string[] {
  return files.filter((f) => minimatch(f, options.pipelines) || minimatch(f, options.sweeps));
}

export const createNodes: CreateNodes<CellarPluginOptions> = [
  DECLARATION_GLOB,
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    const ctx: InferContext = {
      options,
      code: codeInputs((pkg) => locatePackage(pkg, context.workspaceRoot)),
    };
    const results: Array<[string, CreateNodesResult]> = [];
    const errors: Array<[string, Error]> = [];
    for (const file of selectDeclarations(files, options)) {
      try {
        results.push([file, inferProjectFromFile(file, context.workspaceRoot, ctx)]);
      } catch (e) {
        errors.push([file, e instanceof Error ? e : new Error(String(e))]);
      }
    }
    if (errors.length > 0) throw new AggregateCreateNodesError(errors, results);
    return results;
  },
];

/**
 * Nx's per-file error report, which Nx recognises by name (as it does across module copies). Loading
 * `@nx/devkit` for its class (and createNodesFromFiles) costs about 0.4 s on every nx command.
 */
class AggregateCreateNodesError extends Error {
  constructor(
    readonly errors: Array<[string, Error]>,
    readonly partialResults: Array<[string, CreateNodesResult]>,
  ) {
    super('Failed to create nodes');
    this.name = 'AggregateCreateNodesError';
  }
}
