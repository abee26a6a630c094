import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '@cellar/data';
import {
  DEFAULT_DB_PATH,
  openStore,
  remoteTrackingFromEnv,
  TrackingError,
  type TrackingStore,
} from '@cellar/tracking';
import type { TrainMetrics } from './fit-and-score';

/** The tag a train run carries: Nx's hash of the task that logged it (NX_TASK_HASH). */
export const TASK_HASH_TAG = 'nx_task_hash';

export interface RestoreRunOptions {
  root: string;
  project: string;
  /** The pipeline project's root, relative to the workspace: where model.json and metrics.json go. */
  projectRoot: string;
  /** Nx's hash of this train task. */
  taskHash: string;
}

export interface RestoredRun {
  runId: string;
  metrics: TrainMetrics;
}

/**
 * A train task that Nx runs although a run of the same task hash FINISHED before gets that run's
 * model.json and metrics.json back instead of a second fit and a duplicate run. Nx 23.3.1 does run
 * cached tasks now and then: a task whose dependencies finish while Nx is still looking up another
 * task's cache miss is started without a lookup (TaskOrchestrator.executeCoordinatorLoop), and a
 * wiped Nx cache loses every entry. The same hash means the same configs, data pointer and code,
 * and fits are deterministic, so the outputs are the ones a fit would write.
 *
 * Local store only; null (fit as usual) when there is no store yet, a tracking server is configured,
 * or the run's artifacts are gone or unreadable.
 */
export function restoreTrainedRun(
  o: RestoreRunOptions,
  env: NodeJS.ProcessEnv = process.env,
): RestoredRun | null {
  if (!/^\d+$/.test(o.taskHash)) return null;
  if (remoteTrackingFromEnv(env) !== undefined) return null;
  let store: TrackingStore;
  try {
    store = openStore({ root: o.root, dbPath: env.CELLAR_TRACKING_DB || DEFAULT_DB_PATH, readonly: true });
  } catch (e) {
    // No run tracked yet: nothing to give back.
    if (e instanceof TrackingError && e.code === 'NO_DATABASE') return null;
    throw e;
  }
  try {
    const { runs } = store.searchRuns({
      filter: `tags.${TASK_HASH_TAG} = '${o.taskHash}' and status = 'FINISHED'`,
      orderBy: ['start_time DESC'],
      maxResults: 10,
    });
    const run = runs.find((r) => r.tags.pipeline === o.project);
    if (run === undefined) return null;
    const model = store.artifactFile(run.info.runId, 'model.json');
    const metricsFile = store.artifactFile(run.info.runId, 'metrics.json');
    if (!existsSync(model) || !existsSync(metricsFile)) return null;
    const metricsJson = readFileSync(metricsFile, 'utf8');
    const metrics = trainMetricsOf(metricsJson);
    if (metrics === null) return null;
    const outDir = join(o.root, o.projectRoot);
    writeFileAtomic(join(outDir, 'model.json'), readFileSync(model));
    writeFileAtomic(join(outDir, 'metrics.json'), metricsJson);
    return { runId: run.info.runId, metrics };
  } finally {
    store.close();
  }
}

function trainMetricsOf(text: string): TrainMetrics | null {
  let m: unknown;
  try {
    m = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof m !== 'object' || m === null) return null;
  const r = m as Record<string, unknown>;
  const numbers = ['accuracy', 'f1_macro', 'f1_weighted', 'n_train', 'n_test'] as const;
  if (typeof r.model_type !== 'string' || numbers.some((k) => typeof r[k] !== 'number')) return null;
  return r as unknown as TrainMetrics;
}
