import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, sep } from 'node:path';
import type { TargetConfiguration } from '@nx/devkit';

/** One entry of a target's `inputs` (the devkit does not export the type by name). */
export type TargetInput = NonNullable<TargetConfiguration['inputs']>[number];

export type CodeStep = 'train' | 'evaluate' | 'sweepPoint' | 'sweepTable';

/**
 * The code that decides a step's outputs, per package: folders inside the package. Editing the notifier,
 * predict or the sweep code never retrains a pipeline; tracking only records what happened.
 */
const STEP_CODE: Record<CodeStep, Record<string, string[]>> = {
  train: {
    '@cellar/nx': ['src/executors/train', 'src/executors/shared'],
    '@cellar/pipeline': ['src/train', 'src/shared', 'src/index.ts'],
    '@cellar/config': ['src'],
    '@cellar/data': ['src'],
    '@cellar/modeling': ['src'],
  },
  // A sweep point fits like train, through its own executor and stage file.
  sweepPoint: {
    '@cellar/nx': ['src/executors/sweep-point', 'src/executors/shared'],
    '@cellar/pipeline': ['src/sweep/sweep-point.ts', 'src/train', 'src/shared', 'src/index.ts'],
    '@cellar/config': ['src'],
    '@cellar/data': ['src'],
    '@cellar/modeling': ['src'],
  },
  // The sweep's table: the grid, the points' metrics.json, the formatting.
  sweepTable: {
    '@cellar/nx': ['src/executors/sweep', 'src/executors/shared'],
    '@cellar/pipeline': ['src/sweep', 'src/shared', 'src/index.ts'],
    '@cellar/config': ['src'],
  },
  evaluate: {
    '@cellar/nx': ['src/executors/evaluate', 'src/executors/shared'],
    '@cellar/pipeline': ['src/evaluate', 'src/shared', 'src/index.ts'],
    '@cellar/config': ['src'],
    '@cellar/data': ['src'],
    '@cellar/modeling': ['src'],
  },
};

/** Third-party packages whose behaviour reaches a model (parsing, config, validation). */
export const THIRD_PARTY = ['csv-parse', 'yaml', 'zod'];

/** Third-party packages that reach one step's output only. */
const STEP_THIRD_PARTY: Partial<Record<CodeStep, string[]>> = { sweepTable: ['cli-table3'] };

export interface PackageLocation {
  /** Workspace-relative folder of the package (POSIX separators). */
  rel: string;
  /** true when the package's sources are part of this workspace (Cellar's own repository). */
  inWorkspace: boolean;
}

/** Where a package resolves from the workspace: its sources in this repo, or an installed copy. */
export function locatePackage(name: string, workspaceRoot: string): PackageLocation | null {
  let manifest: string;
  try {
    manifest = require.resolve(`${name}/package.json`, { paths: [workspaceRoot] });
  } catch {
    return null;
  }
  const rel = relative(realpathSync(workspaceRoot), realpathSync(dirname(manifest)));
  const inWorkspace =
    rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) && !rel.split(sep).includes('node_modules');
  return { rel: rel.split(sep).join('/'), inWorkspace };
}

export interface CodeInputs {
  inputs: Record<CodeStep, TargetInput[]>;
  /** `node <this>` runs the always-run steps (notify, pull) as a plain command; workspace-relative. */
  commandBin: string;
}

/**
 * In a source checkout the inputs are globs over the packages' sources (editing libs/modeling retrains);
 * installed from npm, the packages' versions stand for their code (`externalDependencies`).
 */
export function codeInputs(locate: (name: string) => PackageLocation | null): CodeInputs {
  const inputs = {} as Record<CodeStep, TargetInput[]>;
  for (const [step, packages] of Object.entries(STEP_CODE) as [CodeStep, Record<string, string[]>][]) {
    const globs: string[] = [];
    const negations = new Set<string>();
    const external: string[] = [];
    for (const [name, folders] of Object.entries(packages)) {
      const where = locate(name);
      if (!where) continue;
      if (where.inWorkspace) {
        for (const entry of folders) {
          globs.push(`{workspaceRoot}/${where.rel}/${entry}${entry.endsWith('.ts') ? '' : '/**/*.ts'}`);
        }
        negations.add(`!{workspaceRoot}/${where.rel}/src/**/*.spec.ts`);
        negations.add(`!{workspaceRoot}/${where.rel}/src/testing/**`);
      } else {
        external.push(name);
      }
    }
    const third = [...THIRD_PARTY, ...(STEP_THIRD_PARTY[step] ?? [])];
    inputs[step] = [...globs, ...negations, { externalDependencies: [...external, ...third] }];
  }
  const nx = locate('@cellar/nx');
  return { inputs, commandBin: `${nx?.rel ?? 'node_modules/@cellar/nx'}/bin/cellar-nx.js` };
}
