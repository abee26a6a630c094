import { detectGitCommit } from '@cellar/tracking';
import { PipelineError } from '../shared/pipeline-error';
// Static on purpose: Nx removes its TypeScript require hook once the executor has loaded.
import { closeLaneStore, runLaneJob } from './lane-job';
import { runInLanes } from './lanes';
import type { LaneJob, SweepJobResult, SweepOptions } from './types';

function interrupted(done: number, total: number): PipelineError {
  return new PipelineError(
    'SWEEP_INTERRUPTED',
    `sweep interrupted after ${done} of ${total} runs; finished runs stay in the tracking store`,
  );
}

/**
 * Fan the sweep's runs out over `parallel` lanes (runInLanes): this process and worker processes.
 * Jobs are taken from one queue as lanes free up; one failing run never stops the others.
 */
export async function runSweep(o: SweepOptions): Promise<SweepJobResult[]> {
  const gitCommit = o.track ? detectGitCommit(o.root) : null;
  const jobs: LaneJob[] = o.spec.runs.map((r, index) => ({
    key: String(index),
    kind: 'job',
    job: {
      index,
      sweep: o.spec.name,
      data: r.data,
      model: r.model,
      overrides: r.overrides,
      track: o.track,
      gitCommit,
      ...(o.configDir ? { configDir: o.configDir } : {}),
    },
  }));
  const results: SweepJobResult[] = new Array(jobs.length);
  const started = performance.now();
  let done = 0;
  let failed = 0;
  const { stopped } = await runInLanes({
    root: o.root,
    jobs,
    parallel: o.parallel,
    runHere: (job, signal) => runLaneJob(o.root, job, signal),
    onResult: (r) => {
      const index = Number(r.key);
      results[index] = r.ok
        ? { index, ok: true, metrics: r.metrics, runId: r.runId, ms: r.ms }
        : { index, ok: false, error: r.error, ms: r.ms };
      done++;
      if (!r.ok) failed++;
      const elapsedMs = performance.now() - started;
      const etaMs = (elapsedMs / done) * (jobs.length - done);
      o.onProgress?.({ done, failed, total: jobs.length, elapsedMs, etaMs });
    },
  }).finally(closeLaneStore);
  if (stopped) throw interrupted(done, jobs.length);
  return results;
}
