import type { ExecutorContext } from '@nx/devkit';
import Table from 'cli-table3';
import { loadSweep, sweepPointId, type SweepSpec } from '@cellar/config';
import { PipelineError, readSweepResults, type SweepJobResult } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { isPoint } from './is-point';
import { runStep } from '../shared/run-step';
import sweepPointExecutor from '../sweep-point/executor';
import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import type { SweepExecutorOptions } from './schema';

/**
 * The sweep's table; and, since the points share this executor (so that Nx can batch a whole sweep
 * into one process, see batch.ts), a point when the options name one.
 */
export default async function sweepExecutor(
  options: SweepExecutorOptions | SweepPointExecutorOptions,
  context: ExecutorContext,
) {
  if (isPoint(options)) return sweepPointExecutor(options, context);
  return runStep('sweep', context, async () => {
    const { text, error } = sweepTable(options, context.root, projectRootOf(context));
    console.log(text);
    if (error) throw error;
  });
}

/**
 * The table of a sweep from its points' metrics.json (the points are cached tasks that ran or were
 * restored before this one), and a SWEEP_FAILED error when points have no results.
 */
export function sweepTable(
  options: SweepExecutorOptions,
  root: string,
  projectRoot: string,
): { text: string; error?: PipelineError } {
  const spec = loadSweep(root, options.sweep, options.configDir);
  const metric = options.metric ?? spec.metric;
  const results = readSweepResults(root, spec, `${projectRoot}/points`);
  const text = `sweep ${spec.name}: ${spec.runs.length} points\n${formatSweepTable(spec, results, metric)}`;
  const failed = results.filter((r) => !r.ok).length;
  if (failed === 0) return { text };
  const error = new PipelineError(
    'SWEEP_FAILED',
    `${failed} of ${results.length} points have no results (see the table above)`,
  );
  return { text, error };
}

export function formatSweepTable(spec: SweepSpec, results: SweepJobResult[], metric: string): string {
  const order = [...results].sort((a, b) => {
    const va = a.ok ? (a.metrics[metric] ?? -Infinity) : -Infinity;
    const vb = b.ok ? (b.metrics[metric] ?? -Infinity) : -Infinity;
    return vb - va || a.index - b.index;
  });
  const table = new Table({
    head: ['#', 'model', 'overrides', metric, 'f1_macro', 'point'],
    style: { head: [], border: [], compact: true },
  });
  for (const r of order) {
    const run = spec.runs[r.index];
    table.push([
      String(r.index + 1),
      run.model,
      run.overrides.join(' ') || '-',
      r.ok ? (r.metrics[metric] ?? NaN).toFixed(4) : 'MISSING',
      r.ok ? (r.metrics['f1_macro'] ?? NaN).toFixed(4) : r.error,
      sweepPointId(run),
    ]);
  }
  const best = new Map<string, SweepJobResult>();
  for (const r of order) {
    const model = spec.runs[r.index].model;
    if (r.ok && !best.has(model)) best.set(model, r);
  }
  const bestLines = [...best].map(
    ([model, r]) =>
      `best ${model}: ${metric} ${(r as Extract<SweepJobResult, { ok: true }>).metrics[metric].toFixed(4)} with ${spec.runs[r.index].overrides.join(' ') || 'defaults'}`,
  );
  return [table.toString(), ...bestLines].join('\n');
}
