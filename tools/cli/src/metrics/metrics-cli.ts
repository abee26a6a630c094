import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@cellar/config';
import { diffResults, formatDiffJson, formatDiffMarkdown, formatDiffText, type MetricsDiff } from './diff';
import type { CliIo } from '../runs/runs-cli';
import { MetricsError } from './metrics-error';
import { collectResults, describeCheckout, type RevisionResults } from './results';
import { checkoutRevision, revisionEnv, WORKSPACE_REV, workspaceCheckout, type Checkout } from './revision';
import { defaultIo } from '../program';

export const METRICS_USAGE = `usage: cellar metrics diff [<base-rev>] [<head-rev>] [--json | --md] [--all]

Every pipeline's metrics at two git revisions side by side, with the change and the params that
changed. <base-rev> defaults to HEAD, <head-rev> to the working tree ('${WORKSPACE_REV}').
A revision is checked out in a temporary git worktree and its evaluate targets run through nx:
results come from the local or remote Nx cache; only what was never built anywhere is computed
(and logged to this workspace's tracking store).

options:
  --json       machine-readable output
  --md         a markdown table (what 'cellar report' embeds)
  --all        also list unchanged pipelines and metrics
  --verbose    print nx's output and stack traces`;

/** The folder holding nx.json above cwd. */
export function findWorkspaceRoot(cwd: string): string {
  let dir = path.resolve(cwd);
  for (;;) {
    if (fs.existsSync(path.join(dir, 'nx.json'))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) {
      throw new MetricsError('USAGE', `no nx.json in ${cwd} or above: run cellar inside an Nx workspace`);
    }
    dir = parent;
  }
}

export interface RevisionOptions {
  root: string;
  env: Record<string, string | undefined>;
  sweeps?: boolean;
  log?: (text: string) => void;
}

/** Results of a revision (or the working tree), from a temporary worktree removed afterwards. */
export async function revisionResults(rev: string, opts: RevisionOptions): Promise<RevisionResults> {
  let checkout: Checkout | undefined;
  try {
    checkout = rev === WORKSPACE_REV ? workspaceCheckout(opts.root) : await checkoutRevision(opts.root, rev);
    opts.log?.(`cellar: building ${describeCheckout(checkout)} in ${checkout.dir}\n`);
    const env = rev === WORKSPACE_REV ? { ...opts.env } : revisionEnv(opts.root, checkout.dir, opts.env);
    return collectResults(checkout, { env, sweeps: opts.sweeps, log: opts.log });
  } finally {
    checkout?.dispose();
  }
}

export async function metricsDiff(base: string, head: string, opts: RevisionOptions): Promise<MetricsDiff> {
  const b = await revisionResults(base, opts);
  const h = await revisionResults(head, opts);
  return diffResults(b, h);
}

export async function metricsCli(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const out = defaultIo(io);
  const verbose = argv.includes('--verbose');
  const [command, ...rest] = argv;
  if (command === undefined || ['-h', '--help', 'help'].includes(command) || rest.includes('--help')) {
    (command === undefined ? out.stderr : out.stdout).write(`${METRICS_USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  try {
    if (command !== 'diff') throw new MetricsError('USAGE', `unknown command '${command}'; use diff`);
    const { values, positionals } = parseArgs({
      args: rest,
      options: {
        json: { type: 'boolean' },
        md: { type: 'boolean' },
        all: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 2)
      throw new MetricsError('USAGE', 'at most two revisions: [<base-rev>] [<head-rev>]');
    if (values.json && values.md) throw new MetricsError('USAGE', '--json and --md exclude each other');
    const root = findWorkspaceRoot(out.cwd);
    const [base = 'HEAD', head = WORKSPACE_REV] = positionals;
    const diff = await metricsDiff(base, head, {
      root,
      env: out.env,
      log: verbose ? (t) => out.stderr.write(t) : undefined,
    });
    const all = values.all === true;
    out.stdout.write(
      values.json
        ? formatDiffJson(diff, all)
        : values.md
          ? formatDiffMarkdown(diff, all)
          : formatDiffText(diff, all),
    );
    return 0;
  } catch (e) {
    out.stderr.write(`cellar metrics: ${errorMessage(e)}\n`);
    if (verbose && e instanceof Error && e.stack) out.stderr.write(`${e.stack}\n`);
    return e instanceof MetricsError && e.code === 'USAGE' ? 2 : 1;
  }
}
