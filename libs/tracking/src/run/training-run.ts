import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '@cellar/config';
import { TrackingError } from '../errors';
import { RemoteRun } from '../remote/remote-run';
import { remoteTrackingFromEnv, type RemoteTracking } from '../remote/tracking-uri';
import { openStore } from '../store/store';
import {
  ArtifactInfo,
  MetricPoint,
  ParamValue,
  RunDetail,
  RunInfo,
  StoreOptions,
  TrackingStore,
} from '../store/types';

export interface RunOutput {
  params?: Record<string, ParamValue>;
  metrics?: Record<string, number>;
  /** A metric history, step by step; logged with params, metrics and tags in one write. */
  metricSteps?: Iterable<[step: number, metrics: Record<string, number>]>;
  tags?: Record<string, string>;
  /** Files to copy into the run's artifact folder under their base names. */
  artifacts?: string[];
}

export interface ActiveRun {
  readonly runId: string;
  readonly info: RunInfo;
  /** The local store; absent when the run goes to a tracking server (CELLAR_TRACKING_URI). */
  readonly store?: TrackingStore;
  logParams(params: Record<string, ParamValue>): void;
  logMetrics(metrics: Record<string, number>, step?: number): void;
  /** A metric history, step by step, in one write (one transaction locally). */
  logMetricSteps(steps: Iterable<[step: number, metrics: Record<string, number>]>): void;
  setTags(tags: Record<string, string>): void;
  logArtifact(file: string, name?: string): ArtifactInfo;
}

export interface TrainingRunOptions {
  store?: TrackingStore;
  storeOptions?: StoreOptions;
  experiment: string;
  runName?: string;
  tags?: Record<string, string>;
  /** Default: `git rev-parse HEAD` in the workspace root, null when unavailable. */
  gitCommit?: string | null;
  configHash?: string | null;
  dataMd5?: string | null;
  /**
   * A tracking server to log to over the MLflow REST API. Default: CELLAR_TRACKING_URI or an
   * http(s) MLFLOW_TRACKING_URI (token from CELLAR_TRACKING_TOKEN / MLFLOW_TRACKING_TOKEN) unless
   * `store` is given; null: always the local store.
   */
  remote?: RemoteTracking | null;
  /**
   * Aborted when the caller stops the work (a sweep's lanes on Ctrl-C): fn failing after that ends
   * the run KILLED, not FAILED.
   */
  signal?: AbortSignal;
}

/** HEAD of the git checkout at root, or null; never throws. */
export function detectGitCommit(root: string, env: NodeJS.ProcessEnv = process.env): string | null {
  // Images and CI jobs without a .git folder pass the commit in (the Dockerfile's GIT_COMMIT build arg).
  const given = env.CELLAR_GIT_COMMIT?.trim();
  if (given) return /^[0-9a-f]{7,64}$/.test(given) ? given : null;
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 5000,
      encoding: 'utf8',
    }).trim();
    return /^[0-9a-f]{40,64}$/.test(out) ? out : null;
  } catch {
    return null;
  }
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

function metricPoints(steps: Iterable<[number, Record<string, number>]>): MetricPoint[] {
  const timestamp = Date.now();
  const points: MetricPoint[] = [];
  for (const [step, metrics] of steps)
    for (const [key, value] of Object.entries(metrics)) points.push({ key, value, step, timestamp });
  return points;
}

/**
 * Runs fn inside a tracked run: logs what it returns and ends FINISHED; a throw ends FAILED and rethrows;
 * SIGINT/SIGTERM ends KILLED and then dies of the same signal (exit 128+n).
 */
export async function trainingRun<T extends RunOutput>(
  o: TrainingRunOptions,
  fn: (run: ActiveRun) => Promise<T>,
): Promise<{ run: RunDetail; result: T }> {
  const remote =
    o.store !== undefined || o.remote === null ? undefined : (o.remote ?? remoteTrackingFromEnv());
  if (remote !== undefined) return remoteTrainingRun(o, remote, fn);
  const ownsStore = o.store === undefined;
  const store = o.store ?? openStore(o.storeOptions);
  let info: RunInfo;
  try {
    const root = path.resolve(o.storeOptions?.root ?? process.cwd());
    info = store.createRun({
      experiment: o.experiment,
      runName: o.runName,
      tags: o.tags,
      gitCommit: o.gitCommit === undefined ? detectGitCommit(root) : o.gitCommit,
      configHash: o.configHash ?? null,
      dataMd5: o.dataMd5 ?? null,
    });
  } catch (err) {
    if (ownsStore) store.close();
    throw err;
  }
  const runId = info.runId;
  const active: ActiveRun = {
    runId,
    info,
    store,
    logParams: (params) => store.logParams(runId, params),
    logMetrics: (metrics, step) => store.logMetrics(runId, metrics, step),
    logMetricSteps: (steps) => store.logBatch(runId, { metrics: metricPoints(steps) }),
    setTags: (tags) => store.setTags(runId, tags),
    logArtifact: (file, name) => store.logArtifact(runId, file, name),
  };

  let killedBy: NodeJS.Signals | null = null;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const removeHandlers = (): void => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of SIGNALS) {
    const handler = (): void => {
      removeHandlers();
      killedBy = signal;
      try {
        store.endRun(runId, 'KILLED', `killed by ${signal}`);
      } finally {
        // With nobody else listening, re-raising gives the default death (exit 128+n).
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
        else process.exitCode = 128 + os.constants.signals[signal];
      }
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }

  try {
    let result: T;
    try {
      result = await fn(active);
      // One transaction for what fn returns: a sweep logs one run per point.
      store.logBatch(runId, {
        params: result.params,
        metrics: [
          ...metricPoints(result.metricSteps ?? []),
          ...metricPoints(result.metrics ? [[0, result.metrics]] : []),
        ],
        tags: result.tags,
      });
      for (const file of result.artifacts ?? []) store.logArtifact(runId, file);
    } catch (err) {
      removeHandlers();
      if (killedBy === null) {
        if (o.signal?.aborted) store.endRun(runId, 'KILLED', 'interrupted');
        else store.endRun(runId, 'FAILED', errorMessage(err).split('\n')[0]);
      }
      throw err;
    }
    removeHandlers();
    if (killedBy !== null) {
      // Someone else handles the signal and let fn finish; the run stays KILLED.
      throw new TrackingError('RUN_NOT_ACTIVE', `run ${runId} was killed by ${killedBy} before it finished`, {
        runId,
      });
    }
    store.endRun(runId, 'FINISHED');
    return { run: store.getRun(runId), result };
  } finally {
    removeHandlers();
    if (ownsStore) store.close();
  }
}

/** How long a signal handler waits to record KILLED on the server before the process dies. */
const KILL_REPORT_MS = 3000;

/**
 * trainingRun on a tracking server: the same contract, with logs sent when fn returns (RemoteRun).
 * A network failure fails the run with a TrackingError naming the server and the step; nothing is
 * spooled for later.
 */
async function remoteTrainingRun<T extends RunOutput>(
  o: TrainingRunOptions,
  remote: RemoteTracking,
  fn: (run: ActiveRun) => Promise<T>,
): Promise<{ run: RunDetail; result: T }> {
  const root = path.resolve(o.storeOptions?.root ?? process.cwd());
  const run = await RemoteRun.start(remote, {
    experiment: o.experiment,
    runName: o.runName,
    tags: o.tags,
    gitCommit: o.gitCommit === undefined ? detectGitCommit(root) : o.gitCommit,
    configHash: o.configHash ?? null,
    dataMd5: o.dataMd5 ?? null,
  });
  const runId = run.runId;
  const active: ActiveRun = {
    runId,
    info: run.info,
    logParams: (params) => run.logParams(params),
    logMetrics: (metrics, step) => run.logMetrics(metrics, step),
    // Kept in memory and sent when fn returns, like every other log of a remote run.
    logMetricSteps: (steps) => {
      for (const [step, metrics] of steps) run.logMetrics(metrics, step);
    },
    setTags: (tags) => run.setTags(tags),
    logArtifact: (file, name) => run.logArtifact(path.resolve(root, file), name),
  };
  let killedBy: NodeJS.Signals | null = null;
  const handlers = new Map<NodeJS.Signals, () => void>();
  const removeHandlers = (): void => {
    for (const [signal, handler] of handlers) process.removeListener(signal, handler);
    handlers.clear();
  };
  for (const signal of SIGNALS) {
    const handler = (): void => {
      removeHandlers();
      killedBy = signal;
      const timeout = new Promise((resolve) => setTimeout(resolve, KILL_REPORT_MS).unref());
      void Promise.race([run.end('KILLED', `killed by ${signal}`).catch(() => undefined), timeout]).then(
        () => {
          if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
          else process.exitCode = 128 + os.constants.signals[signal];
        },
      );
    };
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
  try {
    let result: T;
    try {
      result = await fn(active);
      if (result.params) run.logParams(result.params);
      active.logMetricSteps(result.metricSteps ?? []);
      if (result.metrics) run.logMetrics(result.metrics);
      if (result.tags) run.setTags(result.tags);
      for (const file of result.artifacts ?? []) active.logArtifact(file);
    } catch (err) {
      removeHandlers();
      if (killedBy === null) {
        const [status, why] = o.signal?.aborted
          ? (['KILLED', 'interrupted'] as const)
          : (['FAILED', errorMessage(err).split('\n')[0]] as const);
        await run.end(status, why).catch(() => undefined);
      }
      throw err;
    }
    removeHandlers();
    if (killedBy !== null) {
      throw new TrackingError('RUN_NOT_ACTIVE', `run ${runId} was killed by ${killedBy} before it finished`, {
        runId,
      });
    }
    try {
      return { run: await run.finish(), result };
    } catch (err) {
      // Best effort: a server that is back marks the run FAILED; one that is gone leaves it RUNNING.
      const marked = await run.end('FAILED', errorMessage(err).split('\n')[0]).then(
        () => `run ${runId} is marked FAILED there`,
        () => `run ${runId} may stay RUNNING there`,
      );
      if (err instanceof TrackingError)
        throw new TrackingError(err.code, `${err.message} (${marked}; train again to log it)`, {
          runId,
          key: err.key,
          cause: err,
        });
      throw err;
    }
  } finally {
    removeHandlers();
  }
}
