import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { CreateNodes, CreateNodesResult } from '@nx/devkit';
import { minimatch } from 'minimatch';
import { parse } from 'yaml';
import { loadSweep, sweepPointId } from '@cellar/config';
import { codeInputs, locatePackage } from './code-inputs';
import { envReferences } from './env-inputs';
import {
  inferPipelineProject,
  inferSweepProjects,
  type InferContext,
  type SweepPointDeclaration,
} from './infer-targets';
import { normalizeOptions, type CellarPluginOptions, type NormalizedPluginOptions } from './options';

// This file runs on every `nx` command: it reads a few YAML files and nothing else (no ML code;
// @cellar/config is yaml + zod, for the sweep grid's expansion).

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
    const env = envReferences(
      workspaceRoot,
      [`${configDir}/train/base.yaml`, `${configDir}/model/${model}.yaml`],
      stringList(doc, 'overrides'),
    );
    return { projects: { [root]: inferPipelineProject({ root, name, file, model, description, env }, ctx) } };
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
  for (const run of runs) {
    const id = sweepPointId(run);
    if (seen.has(id)) continue; // the same combination twice is one point
    seen.add(id);
    const env = envReferences(
      workspaceRoot,
      [`${configDir}/train/base.yaml`, `${configDir}/model/${run.model}.yaml`],
      run.overrides,
    );
    points.push({ id, model: run.model, overrides: run.overrides, env });
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
