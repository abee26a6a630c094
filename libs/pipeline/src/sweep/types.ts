import type { SweepSpec } from '@cellar/config';
import type { SweepPointOptions } from './sweep-point';

/** One combination of the grid, as sent to a lane (this process or a worker over IPC). */
export interface SweepJob {
  index: number;
  sweep: string;
  data?: string;
  model: string;
  overrides: string[];
  track: boolean;
  gitCommit: string | null;
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
}

export type SweepJobResult =
  | { index: number; ok: true; metrics: Record<string, number>; runId: string | null; ms: number }
  | { index: number; ok: false; error: string; ms: number };

export interface SweepProgress {
  done: number;
  failed: number;
  total: number;
  elapsedMs: number;
  etaMs: number;
}

export interface SweepOptions {
  root: string;
  spec: SweepSpec;
  /** Lanes: this process plus parallel - 1 worker processes. */
  parallel: number;
  track: boolean;
  configDir?: string;
  onProgress?: (p: SweepProgress) => void;
}

/**
 * A unit of work for a lane (runInLanes): a run of the old in-process sweep, or a cached sweep point.
 * Jobs with the same `group` go to the lane that takes the first of them, unless another lane runs
 * out of work: a sweep groups its points by model family, so that each lane process warms up the
 * code of fewer models, and forests that differ only in n_estimators share their trees there.
 * `weight` is a rough cost (about ms); heavy jobs are never queued on a busy worker.
 */
export type LaneJob = { key: string; group?: string; weight?: number } & (
  | { kind: 'job'; job: SweepJob }
  | { kind: 'point'; point: Omit<SweepPointOptions, 'onProgress' | 'signal' | 'forestTrees'> }
);

/** What a lane answers for a job; a failure carries the error's one-line message and stable code. */
export type LaneResult =
  | { key: string; ok: true; metrics: Record<string, number>; runId: string | null; ms: number }
  | { key: string; ok: false; error: string; code?: string; ms: number };
