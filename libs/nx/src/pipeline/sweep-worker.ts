// A sweep worker process: receives one job at a time over IPC, trains and logs it, answers.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeConfig } from '@cellar/config';
import { loadSplitData } from './steps';
import { trainAndTrack } from './tracked-train';
import type { SweepJob, SweepJobResult } from './sweep-runner';

export async function runSweepJob(root: string, job: SweepJob): Promise<SweepJobResult> {
  const started = performance.now();
  const outDir = mkdtempSync(join(tmpdir(), 'cellar-sweep-'));
  try {
    const composed = composeConfig({ root, model: job.model, overrides: job.overrides });
    const data = await loadSplitData(root, composed);
    const r = await trainAndTrack({
      root,
      composed,
      data,
      outDir,
      runName: `${job.sweep}-${String(job.index + 1).padStart(2, '0')}-${job.model}`,
      tags: { sweep: job.sweep, source: 'nx:sweep' },
      track: job.track,
      gitCommit: job.gitCommit,
    });
    return {
      index: job.index,
      ok: true,
      metrics: r.metrics as unknown as Record<string, number>,
      runId: r.runId,
      ms: performance.now() - started,
    };
  } catch (e) {
    return {
      index: job.index,
      ok: false,
      error: (e as Error).message.split('\n')[0],
      ms: performance.now() - started,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

if (require.main === module && process.send) {
  const root = process.argv[2];
  // One job at a time, in the order received (the parent keeps a couple queued here).
  let queue = Promise.resolve();
  process.on('message', (job: SweepJob) => {
    queue = queue.then(() => runSweepJob(root, job).then((result) => void process.send?.(result)));
  });
  process.send({ ready: true });
}
