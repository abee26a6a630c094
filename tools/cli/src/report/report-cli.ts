import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@cellar/config';
import { writeFileAtomic } from '@cellar/data';
import { diffResults, formatDiffMarkdown, revisionLabel, type MetricsDiff } from '../metrics/diff';
import { findWorkspaceRoot, revisionResults } from '../metrics/metrics-cli';
import type { CliIo } from '../runs/runs-cli';
import { MetricsError } from '../metrics/metrics-error';
import { WORKSPACE_REV } from '../metrics/revision';
import { diffPlots, type PlotFile } from '../plots/plots';
import { writePlots } from '../plots/plots-cli';
import { defaultIo } from '../program';

/** First line of every report: the workflow finds its own comment by it and edits it in place. */
export const REPORT_MARKER = '<!-- cellar-report -->';

export const REPORT_USAGE = `usage: cellar report --base <rev> [--head <rev>] [--out cellar-report/report.md] [--plots-url <url>]

One markdown file for a pull-request comment: the metrics diff table (as 'cellar metrics diff --md'),
the changed params, and links to SVG plots written beside it (<out dir>/plots/, with an index.html).
--head defaults to the working tree.

options:
  --base <rev>       the revision to compare against (required), e.g. origin/main
  --head <rev>       default: the working tree
  --out <file>       default cellar-report/report.md
  --plots-url <url>  prefix for the plot links instead of the relative path plots/ (e.g. where CI publishes them)
  --all              also list unchanged pipelines
  --verbose          print nx's output and stack traces`;

function buildLine(d: MetricsDiff['base']): string {
  const b = d.build;
  return `\`${revisionLabel(d)}\`: ${b.localCache.length} local cache, ${b.remoteCache.length} remote cache, ${b.computed.length} computed${b.computed.length ? ` (${b.computed.map((t) => `\`${t}\``).join(', ')})` : ''}`;
}

/** Pure: the report's markdown. */
export function renderReport(diff: MetricsDiff, plots: PlotFile[], plotsUrl: string, all = false): string {
  const prefix = plotsUrl.endsWith('/') ? plotsUrl : `${plotsUrl}/`;
  const lines = [
    REPORT_MARKER,
    '## Cellar: metrics diff',
    '',
    `Base \`${revisionLabel(diff.base)}\` → head \`${revisionLabel(diff.head)}\``,
    '',
    formatDiffMarkdown(diff, all).trimEnd(),
  ];
  if (plots.length > 0) {
    lines.push('', '### Plots', '');
    for (const p of plots) lines.push(`- [${p.title}](${prefix}${p.file})`);
    lines.push(`- [all plots on one page](${prefix}index.html)`);
  }
  lines.push(
    '',
    '<details><summary>How the results were obtained</summary>',
    '',
    `- ${buildLine(diff.base)}`,
    `- ${buildLine(diff.head)}`,
    '',
    'Each revision ran its `evaluate` targets through Nx in a temporary git worktree; cached tasks were restored, not retrained.',
    '</details>',
  );
  return `${lines.join('\n')}\n`;
}

export async function reportCli(argv: string[], io?: Partial<CliIo>): Promise<number> {
  const out = defaultIo(io);
  const verbose = argv.includes('--verbose');
  if (argv.includes('--help') || argv.includes('-h')) {
    out.stdout.write(`${REPORT_USAGE}\n`);
    return 0;
  }
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      options: {
        base: { type: 'string' },
        head: { type: 'string' },
        out: { type: 'string' },
        'plots-url': { type: 'string' },
        all: { type: 'boolean' },
        verbose: { type: 'boolean' },
      },
      allowPositionals: true,
    });
    if (positionals.length > 0) throw new MetricsError('USAGE', `unexpected argument '${positionals[0]}'`);
    if (!values.base) throw new MetricsError('USAGE', '--base <rev> is required (e.g. --base origin/main)');
    const root = findWorkspaceRoot(out.cwd);
    const log = verbose ? (t: string) => out.stderr.write(t) : undefined;
    const b = await revisionResults(values.base, { root, env: out.env, log });
    const h = await revisionResults(values.head ?? WORKSPACE_REV, { root, env: out.env, log });
    const diff = diffResults(b, h);
    const changed = new Set(diff.pipelines.filter((p) => p.status !== 'unchanged').map((p) => p.name));
    const plots = diffPlots(b, h, changed);
    const file = path.resolve(out.cwd, values.out ?? 'cellar-report/report.md');
    const plotsDir = path.join(path.dirname(file), 'plots');
    writePlots(plotsDir, plots, { title: `Cellar: ${values.base} vs ${values.head ?? WORKSPACE_REV}` });
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, renderReport(diff, plots, values['plots-url'] ?? 'plots', values.all === true));
    out.stdout.write(`${path.relative(out.cwd, file)}\n`);
    return 0;
  } catch (e) {
    out.stderr.write(`cellar report: ${errorMessage(e)}\n`);
    if (verbose && e instanceof Error && e.stack) out.stderr.write(`${e.stack}\n`);
    return e instanceof MetricsError && e.code === 'USAGE' ? 2 : 1;
  }
}
