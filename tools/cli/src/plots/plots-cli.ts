import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@cellar/config';
import { writeFileAtomic } from '@cellar/data';
import { diffResults } from '../metrics/diff';
import { findWorkspaceRoot, revisionResults } from '../metrics/metrics-cli';
import type { CliIo } from '../runs/runs-cli';
import { MetricsError } from '../metrics/metrics-error';
import { WORKSPACE_REV } from '../metrics/revision';
import { diffPlots, plotsHtml, revisionPlots, type PlotFile } from './plots';
import { defaultIo } from '../program';

export const PLOTS_USAGE = `usage: cellar plots [<base-rev> [<head-rev>]] [--out <dir>] [--html] [--metric accuracy]

Without a revision: the working tree's plots: each pipeline's confusion matrix, the pipelines'
scores, and for every sweep whose points were built ('nx run <sweep>:sweep') the metric against
each param it varies. With <base-rev> (head defaults to the working tree): base and head side by
side: scores per pipeline and the changed pipelines' confusion matrices.

options:
  --out <dir>      where the SVG files go (default cellar-plots)
  --html           also write <dir>/index.html embedding every plot (works offline)
  --metric <name>  the sweep plots' metric (default accuracy)
  --verbose        print nx's output and stack traces`;

/** Writes each plot (and index.html) atomically; returns the paths written, relative to cwd. */
export function writePlots(dir: string, plots: PlotFile[], html?: { title: string }): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  for (const p of plots) {
    writeFileAtomic(path.join(dir, p.file), p.svg);
    written.push(path.join(dir, p.file));
  }
  if (html) {
    writeFileAtomic(path.join(dir, 'index.html'), plotsHtml(html.title, plots));
    written.push(path.join(dir, 'index.html'));
  }
  return written;
}

export async function plotsCli(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const out = defaultIo(io);
  const verbose = argv.includes('--verbose');
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout.write(`${PLOTS_USAGE}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string' },
        html: { type: 'boolean' },
        metric: { type: 'string' },
        verbose: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 2)
      throw new MetricsError('USAGE', 'at most two revisions: [<base-rev> [<head-rev>]]');
    const root = findWorkspaceRoot(out.cwd);
    const log = verbose ? (t: string) => out.stderr.write(t) : undefined;
    const metric = values.metric ?? 'accuracy';
    let plots: PlotFile[];
    let title: string;
    if (positionals.length === 0) {
      const r = await revisionResults(WORKSPACE_REV, { root, env: out.env, sweeps: true, log });
      plots = revisionPlots(r, metric);
      title = 'Cellar plots: the working tree';
    } else {
      const [base, head = WORKSPACE_REV] = positionals;
      const b = await revisionResults(base, { root, env: out.env, log });
      const h = await revisionResults(head, { root, env: out.env, log });
      const changed = new Set(
        diffResults(b, h)
          .pipelines.filter((p) => p.status !== 'unchanged')
          .map((p) => p.name),
      );
      plots = diffPlots(b, h, changed);
      title = `Cellar plots: ${base} vs ${head}`;
    }
    const dir = path.resolve(out.cwd, values.out ?? 'cellar-plots');
    for (const f of writePlots(dir, plots, values.html ? { title } : undefined)) {
      out.stdout.write(`${path.relative(out.cwd, f)}\n`);
    }
    return 0;
  } catch (e) {
    out.stderr.write(`cellar plots: ${errorMessage(e)}\n`);
    if (verbose && e instanceof Error && e.stack) out.stderr.write(`${e.stack}\n`);
    return e instanceof MetricsError && e.code === 'USAGE' ? 2 : 1;
  }
}
