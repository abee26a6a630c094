// Public surface of @cellar/pipeline: the stages the Nx executors (or any other runner) call.
// Folders by stage, so each target's inputs name only the code it runs (libs/nx/src/constants.ts).
export { PipelineError } from './shared/pipeline-error';
export type { PipelineErrorCode, PipelineErrorDetails } from './shared/pipeline-error';
export { composePipeline } from './shared/compose-pipeline';
export type { ComposedPipeline } from './shared/compose-pipeline';
export { loadSplitData } from './shared/split-data';
export type { SplitData } from './shared/split-data';
export { pipelineOutputs } from './shared/outputs';
export type { PipelineOutputs } from './shared/outputs';

export { trainPipeline } from './train/train';
export type { TrainStageOptions, TrainStageResult } from './train/train';
export { fitAndScore, paramsOf } from './train/fit-and-score';
export type { TrainMetrics, TrainResult } from './train/fit-and-score';
export { trainAndTrack } from './train/train-and-track';
export { restoreTrainedRun, TASK_HASH_TAG } from './train/restore-run';
export type { RestoreRunOptions, RestoredRun } from './train/restore-run';
export type { TrackedTrainOptions, TrackedTrainResult } from './train/train-and-track';

export { evaluatePipeline, evaluateArtifact } from './evaluate/evaluate';
export type { EvaluateStageOptions, EvaluateStageResult, EvaluationReport } from './evaluate/evaluate';

export { predictPipeline, predictionsCsv } from './predict/predict';
export type { PredictStageOptions, PredictStageResult } from './predict/predict';

export { pipelineSummary } from './notify/notify';
export type { NotifyStageOptions, NotifyStageResult } from './notify/notify';
export { formatSummary, summarize } from './notify/summary';
export type { PipelineSummary } from './notify/summary';
export { postWebhook } from './notify/webhook';

export { runSweep } from './sweep/sweep-runner';
export { runInLanes, sweepWorkerEntry } from './sweep/lanes';
export { closeLaneStore, laneFailure, runLaneJob } from './sweep/lane-job';
export { runSweepJob } from './sweep/sweep-job';
export { trainSweepPoint } from './sweep/sweep-point';
export { readSweepResults } from './sweep/sweep-results';
export type { SweepPointOptions, SweepPointResult } from './sweep/sweep-point';
export type {
  LaneJob,
  LaneResult,
  SweepJob,
  SweepJobResult,
  SweepOptions,
  SweepProgress,
} from './sweep/types';
