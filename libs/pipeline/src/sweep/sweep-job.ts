import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { composeConfig, errorMessage } from '@cellar/config';
import type { ForestTreeCache } from '@cellar/modeling';
import type { TrackingStore } from '@cellar/tracking';
import { loadSplitData } from '../shared/split-data';
import { trainAndTrack } from '../train/train-and-track';
import type { SweepJob, SweepJobResult } from './types';

/** Train and log one combination; a failure is a result, never a throw, so the other runs go on. */
export async function runSweepJob(
  root: string,
  job: SweepJob,
  signal?: AbortSignal,
  forestTrees?: ForestTreeCache,
  store?: TrackingStore,
): Promise<SweepJobResult> {
  const started = performance.now();
  const outDir = mkdtempSync(join(tmpdir(), 'cellar-sweep-'));
  try {
    const composed = composeConfig({
      root,
      data: job.data,
      model: job.model,
      overrides: job.overrides,
      configDir: job.configDir,
    });
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
      signal,
      forestTrees,
      store,
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
      error: errorMessage(e).split('\n')[0],
      ms: performance.now() - started,
    };
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}
