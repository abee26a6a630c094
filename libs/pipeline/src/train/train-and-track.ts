import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ComposedConfig } from '@cellar/config';
import type { ForestTreeCache } from '@cellar/modeling';
import { writeFileAtomic } from '@cellar/data';
import { detectGitCommit, trainingRun, type TrackingStore } from '@cellar/tracking';
import { confusionSvg } from '../shared/report-files';
import type { SplitData } from '../shared/split-data';
import { fitAndScore, paramsOf, type TrainResult } from './fit-and-score';

export interface TrackedTrainOptions {
  root: string;
  composed: ComposedConfig;
  data: SplitData;
  /** Where model.json and metrics.json are written (absolute). */
  outDir: string;
  runName: string;
  tags: Record<string, string>;
  /** false: fit and write outputs without opening the tracking store. */
  track: boolean;
  /** Default: `git rev-parse HEAD` (a sweep resolves it once for all its runs). */
  gitCommit?: string | null;
  onProgress?: (done: number, total: number) => void;
  /** Stops the fit at its next step (a sweep's lanes on Ctrl-C); the run then ends KILLED. */
  signal?: AbortSignal;
  /** Forest trees to reuse and keep (a sweep lane's, see ForestTreeCache in @cellar/modeling). */
  forestTrees?: ForestTreeCache;
  /** An open local store to log to (a sweep lane keeps one); default: opened for this run. */
  store?: TrackingStore;
}

export interface TrackedTrainResult extends TrainResult {
  runId: string | null;
}

/** Fit, write model.json + metrics.json atomically, and log the run (params, metrics, artifacts). */
export async function trainAndTrack(o: TrackedTrainOptions): Promise<TrackedTrainResult> {
  const modelFile = join(o.outDir, 'model.json');
  const metricsFile = join(o.outDir, 'metrics.json');
  const fitAndWrite = async () => {
    const result = await fitAndScore(o.composed, o.data, {
      onProgress: o.onProgress,
      signal: o.signal,
      forestTrees: o.forestTrees,
    });
    writeFileAtomic(modelFile, result.modelJson);
    writeFileAtomic(metricsFile, result.metricsJson);
    return result;
  };
  if (!o.track) return { ...(await fitAndWrite()), runId: null };

  const gitCommit = o.gitCommit === undefined ? detectGitCommit(o.root) : o.gitCommit;
  // The confusion matrix picture goes into the run's artifacts; trainingRun copies it in before returning.
  const scratch = mkdtempSync(join(tmpdir(), 'cellar-run-'));
  try {
    const { run, result } = await trainingRun(
      {
        store: o.store,
        storeOptions: { root: o.root },
        experiment: o.composed.config.tracking.experiment,
        runName: o.runName,
        tags: {
          ...o.tags,
          algorithm: o.composed.config.model.type,
          ...(gitCommit ? { git_commit: gitCommit } : {}),
        },
        configHash: o.composed.hash,
        dataMd5: o.data.dataMd5,
        gitCommit,
        signal: o.signal,
      },
      async () => {
        const r = await fitAndWrite();
        const svg = join(scratch, 'confusion_matrix.svg');
        writeFileSync(svg, confusionSvg(r.metrics.model_type, r.classification));
        return {
          params: paramsOf(o.composed),
          metrics: numericMetrics(r),
          metricSteps: stepMetrics(r),
          artifacts: [modelFile, metricsFile, svg],
          fit: r,
        };
      },
    );
    return { ...result.fit, runId: run.info.runId };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function numericMetrics(r: TrainResult): Record<string, number> {
  const { accuracy, f1_macro, f1_weighted, n_train, n_test } = r.metrics;
  return { accuracy, f1_macro, f1_weighted, n_train, n_test };
}

/**
 * The fit history as step metrics, logged in one write (logMetricSteps): train_loss
 * (logreg, step = L-BFGS iteration), boosting_deviance (step = stages), oob_accuracy (step = trees)
 * and test_accuracy (boosting and forest: the test split scored at every stage / tree count).
 */
export function stepMetrics(r: TrainResult): Map<number, Record<string, number>> {
  const byStep = new Map<number, Record<string, number>>();
  for (const h of r.history) {
    const key = h.name === 'validation_accuracy' ? 'test_accuracy' : h.name;
    h.steps.forEach((step, i) => {
      const row = byStep.get(step) ?? {};
      row[key] = h.values[i];
      byStep.set(step, row);
    });
  }
  return byStep;
}
