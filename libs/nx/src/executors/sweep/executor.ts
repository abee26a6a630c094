import { availableParallelism } from 'node:os';
import type { ExecutorContext } from '@nx/devkit';
import Table from 'cli-table3';
import { loadSweep, type SweepSpec } from '@cellar/config';
import { PipelineError, runSweep, type SweepJobResult, type SweepProgress } from '@cellar/pipeline';
import { runStep } from '../shared/run-step';
import type { SweepExecutorOptions } from './schema';

export default async function sweepExecutor(options: SweepExecutorOptions, context: ExecutorContext) {
  return runStep('sweep', context, async () => {
    const spec = loadSweep(context.root, options.sweep, options.configDir);
    const parallel = options.workers ?? availableParallelism();
    const metric = options.metric ?? spec.metric;
    console.log(
      `sweep ${spec.name}: ${spec.runs.length} runs on ${parallel} worker process${parallel === 1 ? '' : 'es'}`,
    );
    const results = await runSweep({
      root: context.root,
      spec,
      parallel,
      track: options.track ?? true,
      configDir: options.configDir,
      onProgress: printProgress(spec.name),
    });
    console.log(formatSweepTable(spec, results, metric));
    const failed = results.filter((r) => !r.ok).length;
    if (failed > 0)
      throw new PipelineError(
        'SWEEP_FAILED',
        `${failed} of ${results.length} runs failed (see the table above)`,
      );
  });
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

function printProgress(name: string) {
  return (p: SweepProgress) => {
    const failed = p.failed ? `, ${p.failed} failed` : '';
    console.log(
      `sweep ${name}: ${p.done}/${p.total} done${failed}, elapsed ${seconds(p.elapsedMs)}, ETA ${seconds(p.etaMs)}`,
    );
  };
}

export function formatSweepTable(spec: SweepSpec, results: SweepJobResult[], metric: string): string {
  const order = [...results].sort((a, b) => {
    const va = a.ok ? (a.metrics[metric] ?? -Infinity) : -Infinity;
    const vb = b.ok ? (b.metrics[metric] ?? -Infinity) : -Infinity;
    return vb - va || a.index - b.index;
  });
  const table = new Table({
    head: ['#', 'model', 'overrides', metric, 'f1_macro', 'time', 'run'],
    style: { head: [], border: [], compact: true },
  });
  for (const r of order) {
    const run = spec.runs[r.index];
    table.push([
      String(r.index + 1),
      run.model,
      run.overrides.join(' ') || '-',
      r.ok ? (r.metrics[metric] ?? NaN).toFixed(4) : 'FAILED',
      r.ok ? (r.metrics['f1_macro'] ?? NaN).toFixed(4) : r.error,
      seconds(r.ms),
      r.ok && r.runId ? r.runId.slice(0, 8) : '',
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
