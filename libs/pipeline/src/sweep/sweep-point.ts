import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { composeConfig } from '@cellar/config';
import { pullData } from '@cellar/data';
import type { ForestTreeCache } from '@cellar/modeling';
import type { TrackingStore } from '@cellar/tracking';
import { loadSplitData } from '../shared/split-data';
import { trainAndTrack } from '../train/train-and-track';

export interface SweepPointOptions {
  root: string;
  /** Sweep name: the tracking run is tagged `sweep=<name>`. */
  sweep: string;
  /** The point's stable id (sweepPointId), part of the run name. */
  id: string;
  /** The data set (configs/data/<data>.yaml); undefined: the workspace's only one. */
  data?: string;
  model: string;
  overrides: string[];
  /** Workspace-relative folder that receives model.json and metrics.json. */
  outDir: string;
  track: boolean;
  configDir?: string;
  gitCommit?: string | null;
  /**
   * Pull the data set's file first (md5-checked, a no-op when it matches its pointer). A point has
   * no pull task to depend on: it pulls what it reads, and only when it runs (never when restored
   * from the cache). A sweep batch pulls once for all its points and leaves this off.
   */
  pull?: boolean;
  onProgress?: (done: number, total: number) => void;
  /** See trainAndTrack. */
  signal?: AbortSignal;
  /** See trainAndTrack: a lane's trees, shared by the points it fits. */
  forestTrees?: ForestTreeCache;
  /** See trainAndTrack: a lane's open store. */
  store?: TrackingStore;
}

export interface SweepPointResult {
  metrics: Record<string, number>;
  runId: string | null;
  modelType: string;
}

/** Fit one grid point, write its model.json + metrics.json atomically into outDir and log one run. */
export async function trainSweepPoint(o: SweepPointOptions): Promise<SweepPointResult> {
  const composed = composeConfig({
    root: o.root,
    data: o.data,
    model: o.model,
    overrides: o.overrides,
    configDir: o.configDir,
  });
  if (o.pull) await pullData({ root: o.root, pointers: [composed.config.data.pointer] });
  const data = await loadSplitData(o.root, composed);
  const outDir = resolve(o.root, o.outDir);
  mkdirSync(outDir, { recursive: true });
  const r = await trainAndTrack({
    root: o.root,
    composed,
    data,
    outDir,
    runName: `${o.sweep}-${o.model}-${o.id}`,
    tags: { sweep: o.sweep, sweep_point: o.id, source: 'nx:sweep-point' },
    track: o.track,
    gitCommit: o.gitCommit,
    onProgress: o.onProgress,
    signal: o.signal,
    forestTrees: o.forestTrees,
    store: o.store,
  });
  return {
    metrics: r.metrics as unknown as Record<string, number>,
    runId: r.runId,
    modelType: r.metrics.model_type,
  };
}
