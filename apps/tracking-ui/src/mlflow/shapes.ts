// Cellar's records in the JSON shapes of MLflow's REST API 2.0 (mlflow/protos/service.proto).
import type { ExperimentDetail, MetricPoint, RunDetail, RunInfo } from '@cellar/tracking';

export interface MlflowKeyValue {
  key: string;
  value: string;
}

export interface MlflowMetric {
  key: string;
  value: number | string;
  timestamp: number;
  step: number;
}

export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  experiment_id: string;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics: MlflowMetric[]; params: MlflowKeyValue[]; tags: MlflowKeyValue[] };
  inputs: Record<string, never>;
}

export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

/** Where a run's artifacts are, for clients: served by this server's mlflow-artifacts proxy. */
export const runArtifactUri = (info: RunInfo): string =>
  `mlflow-artifacts:/${info.experimentId}/${info.runId}/artifacts`;
export const experimentArtifactLocation = (id: number): string => `mlflow-artifacts:/${id}`;

/** Protobuf JSON spells the non-finite doubles as strings. */
export function metricValue(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

export const toMlflowMetric = (m: MetricPoint): MlflowMetric => ({
  key: m.key,
  value: metricValue(m.value),
  timestamp: m.timestamp,
  step: m.step,
});

const pairs = (record: Record<string, string>): MlflowKeyValue[] =>
  Object.entries(record).map(([key, value]) => ({ key, value }));

export function toMlflowRunInfo(info: RunInfo): MlflowRunInfo {
  return {
    run_id: info.runId,
    run_uuid: info.runId,
    experiment_id: String(info.experimentId),
    run_name: info.runName,
    user_id: info.userId ?? '',
    status: info.status,
    start_time: info.startTime,
    ...(info.endTime === null ? {} : { end_time: info.endTime }),
    artifact_uri: runArtifactUri(info),
    lifecycle_stage: info.lifecycleStage,
  };
}

export function toMlflowRun(run: RunDetail, latest: MetricPoint[]): MlflowRun {
  // MLflow keeps the run name in a tag too; clients read either.
  const tags = { ...run.tags };
  if (tags[RUN_NAME_TAG] === undefined) tags[RUN_NAME_TAG] = run.info.runName;
  return {
    info: toMlflowRunInfo(run.info),
    data: { metrics: latest.map(toMlflowMetric), params: pairs(run.params), tags: pairs(tags) },
    inputs: {},
  };
}

export function toMlflowExperiment(e: ExperimentDetail): Record<string, unknown> {
  return {
    experiment_id: String(e.id),
    name: e.name,
    artifact_location: experimentArtifactLocation(e.id),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.createdAt,
    tags: pairs(e.tags),
  };
}
