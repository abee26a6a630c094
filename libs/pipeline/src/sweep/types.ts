import type { SweepSpec } from '@cellar/config';

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
