import { errorMessage } from '@cellar/config';
import { ForestTreeCache } from '@cellar/modeling';
import { openStore, remoteTrackingFromEnv, type TrackingStore } from '@cellar/tracking';
import { runSweepJob } from './sweep-job';
import { trainSweepPoint } from './sweep-point';
import type { LaneJob, LaneResult } from './types';

/**
 * The trees of the forests this lane process fitted: a point that differs from an earlier one only
 * in n_estimators reuses them (its forest is the one a fresh fit gives), so a sweep over
 * n_estimators builds each tree once when its points share a lane (the planners group them).
 */
const laneTrees = new ForestTreeCache();

/**
 * This lane's local tracking store, opened by its first tracked job and kept for the others: opening
 * and closing one per run cost about 5 ms a point. null: runs go to a tracking server.
 */
let laneStore: TrackingStore | null | undefined;

function storeFor(root: string, track: boolean): TrackingStore | undefined {
  if (!track) return undefined;
  laneStore ??= remoteTrackingFromEnv() === undefined ? openStore({ root }) : null;
  return laneStore ?? undefined;
}

/** Closes the store the lane's jobs logged to (when the lane has run out of jobs). */
export function closeLaneStore(): void {
  laneStore?.close();
  laneStore = undefined;
}

/** Runs one lane job in this process; a failure is a result, never a throw. */
export async function runLaneJob(root: string, job: LaneJob, signal?: AbortSignal): Promise<LaneResult> {
  const started = performance.now();
  let store: TrackingStore | undefined;
  try {
    store = storeFor(root, job.kind === 'job' ? job.job.track : job.point.track);
  } catch (e) {
    return laneFailure(job.key, e, performance.now() - started);
  }
  if (job.kind === 'job') {
    const r = await runSweepJob(root, job.job, signal, laneTrees, store);
    return r.ok
      ? { key: job.key, ok: true, metrics: r.metrics, runId: r.runId, ms: r.ms }
      : { key: job.key, ok: false, error: r.error, ms: r.ms };
  }
  try {
    const r = await trainSweepPoint({ ...job.point, signal, forestTrees: laneTrees, store });
    return { key: job.key, ok: true, metrics: r.metrics, runId: r.runId, ms: performance.now() - started };
  } catch (e) {
    return laneFailure(job.key, e, performance.now() - started);
  }
}

/** A failed job's result: the error's first line and, when it has one, its stable code. */
export function laneFailure(key: string, e: unknown, ms: number): LaneResult {
  const code = (e as { code?: unknown }).code;
  return {
    key,
    ok: false,
    error: errorMessage(e).split('\n')[0],
    ...(typeof code === 'string' ? { code } : {}),
    ms,
  };
}
