import { join } from 'node:path';
import { composePipeline } from '../shared/compose-pipeline';
import { loadSplitData } from '../shared/split-data';
import { TASK_HASH_TAG } from './restore-run';
import { trainAndTrack, type TrackedTrainResult } from './train-and-track';

export interface TrainStageOptions {
  root: string;
  /** The pipeline project: its root (relative to the workspace) receives model.json and metrics.json. */
  project: string;
  projectRoot: string;
  /** apps/<name>/pipeline.yaml, relative to the workspace root. */
  pipeline: string;
  overrides?: string[];
  /** Folder of train/ and model/ configs (default `configs`). */
  configDir?: string;
  /** Log a tracking run (default true). */
  track?: boolean;
  /** Nx's hash of the task (NX_TASK_HASH), tagged on the run so that restoreTrainedRun finds it. */
  taskHash?: string;
  onProgress?: (done: number, total: number, modelType: string) => void;
}

export interface TrainStageResult extends TrackedTrainResult {
  modelType: string;
}

/** The train stage: compose the config, load and split the data, fit, write the outputs, log the run. */
export async function trainPipeline(o: TrainStageOptions): Promise<TrainStageResult> {
  const { composed } = composePipeline(o.root, o.pipeline, o.overrides ?? [], o.configDir);
  const data = await loadSplitData(o.root, composed);
  const modelType = composed.config.model.type;
  const onProgress = o.onProgress;
  const r = await trainAndTrack({
    root: o.root,
    composed,
    data,
    outDir: join(o.root, o.projectRoot),
    runName: `${o.project}-${composed.hash.slice(0, 8)}`,
    tags: {
      pipeline: o.project,
      source: 'nx:train',
      ...(o.taskHash ? { [TASK_HASH_TAG]: o.taskHash } : {}),
    },
    track: o.track ?? true,
    onProgress: onProgress && ((done, total) => onProgress(done, total, modelType)),
  });
  return { ...r, modelType };
}
