import type { ExecutorContext } from '@nx/devkit';
import Table from 'cli-table3';
import { loadSweep, sweepPointId, type SweepSpec } from '@cellar/config';
import { PipelineError, readSweepResults, type SweepJobResult } from '@cellar/pipeline';
import { projectRootOf } from '../shared/project-root';
import { runStep } from '../shared/run-step';
import type { SweepExecutorOptions } from './schema';

/** The points are separate cached tasks (`<project>-point-<id>:point`) that ran or were restored before this one. */
export default async function sweepExecutor(options: SweepExecutorOptions, context: ExecutorContext) {
  return runStep('sweep', context, async () => {
    const spec = loadSweep(context.root, options.sweep, options.configDir);
    const metric = options.metric ?? spec.metric;
    const results = readSweepResults(context.root, spec, `${projectRootOf(context)}/points`);
    console.log(`sweep ${spec.name}: ${spec.runs.length} points`);
    console.log(formatSweepTable(spec, results, metric));
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0)
      throw new PipelineError(
        'SWEEP_FAILED',
        `${failed} of ${results.length} points have no results (see the table above)`,
      );
  });
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
