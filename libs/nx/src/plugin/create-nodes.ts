import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { createNodesFromFiles, type CreateNodes, type CreateNodesResult } from '@nx/devkit';
import { parse } from 'yaml';
import { PIPELINE_FILE } from '../constants';
import { inferPipelineProject, inferSweepProject } from './infer-targets';

// This file runs on every `nx` command: it reads two YAML keys and nothing else (no ML code).

export type CellarPluginOptions = Record<string, never>;

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

export function inferProjectFromFile(file: string, workspaceRoot: string): CreateNodesResult {
  const root = dirname(file);
  const name = basename(root);
  const doc = readYamlMap(workspaceRoot, file);
  const project =
    basename(file) === PIPELINE_FILE
      ? inferPipelineProject({
          root,
          name,
          model: requireString(doc, 'model', file),
          description: optionalString(doc, 'description'),
        })
      : inferSweepProject({
          root,
          name,
          sweep: requireString(doc, 'sweep', file),
          description: optionalString(doc, 'description'),
        });
  return { projects: { [root]: project } };
}

export const createNodes: CreateNodes<CellarPluginOptions> = [
  'apps/*/{pipeline,sweep}.yaml',
  (files, options, context) =>
    createNodesFromFiles(
      (file, _opts, ctx) => inferProjectFromFile(file, ctx.workspaceRoot),
      files,
      options,
      context,
    ),
];
