// The MLflow REST API 2.0 tracking endpoints over a TrackingStore. Shapes and error codes follow
// mlflow/protos/service.proto and mlflow/server/handlers.py; the logic is Cellar's own.
import type { LifecycleFilter, MetricPoint, RunDetail, TrackingStore } from '@cellar/tracking';
import { invalid, MlflowApiError } from './errors';
import { experimentFilter } from './experiment-filter';
import {
  decodePageToken,
  encodePageToken,
  keyValues,
  parseExperimentId,
  parseMetricValue,
  type Fields,
} from './request';
import { RUN_NAME_TAG, toMlflowExperiment, toMlflowMetric, toMlflowRun, toMlflowRunInfo } from './shapes';

export type Handler = (store: TrackingStore, f: Fields) => unknown;

export interface Route {
  /** Writes need a write token and a writable store. */
  write: boolean;
  handler: Handler;
}

// MLflow's own limits on one log-batch request.
export const MAX_BATCH_METRICS = 1000;
export const MAX_BATCH_PARAMS = 100;
export const MAX_BATCH_TAGS = 100;
export const MAX_PARAM_VALUE_LENGTH = 6000;
export const MAX_SEARCH_RESULTS = 50_000;
const RUN_STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED'] as const;

function viewType(f: Fields, name: string): LifecycleFilter {
  const v = f.string(name);
  if (v === undefined || v === '' || v === 'ACTIVE_ONLY' || v === '1') return 'active';
  if (v === 'DELETED_ONLY' || v === '2') return 'deleted';
  if (v === 'ALL' || v === '3') return 'all';
  throw invalid(`${f.endpoint}: ${name} must be ACTIVE_ONLY, DELETED_ONLY or ALL (got '${v}')`);
}

function maxResults(f: Fields, fallback: number, limit: number): number {
  const n = f.integer('max_results') ?? fallback;
  if (n < 1 || n > limit) throw invalid(`${f.endpoint}: max_results must be from 1 to ${limit} (got ${n})`);
  return n;
}

/** The run with exactly this id: the API never resolves prefixes or names as the CLI does. */
function exactRun(store: TrackingStore, f: Fields): RunDetail {
  const id = f.runId();
  if (!/^[0-9a-f]{32}$/i.test(id))
    throw new MlflowApiError('RESOURCE_DOES_NOT_EXIST', `run '${id}' not found`);
  const run = store.getRun(id.toLowerCase());
  if (run.info.runId !== id.toLowerCase())
    throw new MlflowApiError('RESOURCE_DOES_NOT_EXIST', `run '${id}' not found`);
  return run;
}

function activeRun(store: TrackingStore, f: Fields): RunDetail {
  const run = exactRun(store, f);
  if (run.info.lifecycleStage !== 'active') {
    throw invalid(
      `${f.endpoint}: run ${run.info.runId} must be in the 'active' state to change it (it is '${run.info.lifecycleStage}'); restore it first`,
    );
  }
  return run;
}

function runJson(store: TrackingStore, run: RunDetail): unknown {
  return toMlflowRun(run, store.latestMetrics([run.info.runId])[run.info.runId] ?? []);
}

function checkParamValue(f: Fields, key: string, value: string): void {
  if (value.length > MAX_PARAM_VALUE_LENGTH)
    throw invalid(
      `${f.endpoint}: param '${key}' value is ${value.length} characters; the limit is ${MAX_PARAM_VALUE_LENGTH}`,
    );
}

function metricFrom(f: Fields, raw: unknown, where: string): MetricPoint {
  const m = raw as { key?: unknown; value?: unknown; timestamp?: unknown; step?: unknown } | null;
  if (m === null || typeof m !== 'object' || typeof m.key !== 'string' || m.key === '')
    throw invalid(`${f.endpoint}: ${where} must be an object with a non-empty string 'key'`);
  const int = (v: unknown, name: string, fallback: number): number => {
    if (v === undefined || v === null || v === '') return fallback;
    const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n))
      throw invalid(
        `${f.endpoint}: ${where} ('${String(m.key)}') ${name} must be an integer (got ${JSON.stringify(v)})`,
      );
    return n;
  };
  if (m.value === undefined || m.value === null)
    throw invalid(`${f.endpoint}: ${where} ('${m.key}') is missing its value`);
  return {
    key: m.key,
    value: parseMetricValue(m.value, m.key, f.endpoint),
    timestamp: int(m.timestamp, 'timestamp', Date.now()),
    step: int(m.step, 'step', 0),
  };
}

function experimentFrom(store: TrackingStore, f: Fields) {
  return store.getExperiment(f.experimentId());
}

const experiments: Record<string, Route> = {
  'experiments/create': {
    write: true,
    handler: (store, f) => {
      const name = f.requireString('name');
      if (f.has('artifact_location') && f.string('artifact_location') !== '')
        throw invalid(
          `${f.endpoint}: artifact_location is not supported; this server keeps artifacts under its own artifact root`,
        );
      const created = store.createExperiment(name, keyValues(f, 'tags'));
      return { experiment_id: String(created.id) };
    },
  },
  'experiments/get': {
    write: false,
    handler: (store, f) => ({ experiment: toMlflowExperiment(experimentFrom(store, f)) }),
  },
  'experiments/get-by-name': {
    write: false,
    handler: (store, f) => ({
      experiment: toMlflowExperiment(store.getExperiment(f.requireString('experiment_name'))),
    }),
  },
  'experiments/search': {
    write: false,
    handler: (store, f) => {
      const keep = experimentFilter(f.string('filter'));
      const limit = maxResults(f, 1000, MAX_SEARCH_RESULTS);
      const offset = decodePageToken(f);
      const all = store.searchExperiments({ lifecycle: viewType(f, 'view_type') }).filter(keep);
      const page = all.slice(offset, offset + limit);
      return {
        experiments: page.map(toMlflowExperiment),
        ...(offset + limit < all.length ? { next_page_token: encodePageToken(offset + limit) } : {}),
      };
    },
  },
  'experiments/update': {
    write: true,
    handler: (store, f) => {
      const id = f.experimentId();
      const newName = f.requireString('new_name');
      if (store.getExperiment(id).lifecycleStage !== 'active')
        throw invalid(`${f.endpoint}: experiment ${id} is deleted; restore it before renaming`);
      store.renameExperiment(id, newName);
      return {};
    },
  },
  'experiments/delete': {
    write: true,
    handler: (store, f) => {
      store.setExperimentLifecycle(f.experimentId(), 'deleted');
      return {};
    },
  },
  'experiments/restore': {
    write: true,
    handler: (store, f) => {
      store.setExperimentLifecycle(f.experimentId(), 'active');
      return {};
    },
  },
  'experiments/set-experiment-tag': {
    write: true,
    handler: (store, f) => {
      store.setExperimentTags(f.experimentId(), { [f.requireString('key')]: f.string('value') ?? '' });
      return {};
    },
  },
};

const runs: Record<string, Route> = {
  'runs/create': {
    write: true,
    handler: (store, f) => {
      // MLflow clients with no experiment set log to experiment 0, 'Default'.
      const experimentId = f.has('experiment_id') ? f.experimentId() : 0;
      const experiment = experimentId === 0 ? store.defaultExperiment() : store.getExperiment(experimentId);
      if (experiment.lifecycleStage !== 'active')
        throw invalid(
          `${f.endpoint}: experiment ${experimentId} is deleted; restore it to create runs in it`,
        );
      const tags = keyValues(f, 'tags');
      const runName = f.string('run_name') || tags[RUN_NAME_TAG] || undefined;
      const info = store.createRun({
        experimentId,
        runName,
        startTime: f.integer('start_time'),
        userId: f.string('user_id') || null,
        tags,
        // Cellar's remote runs carry these as tags; the store keeps them as searchable attributes.
        gitCommit: tags['mlflow.source.git.commit'] ?? null,
        configHash: tags['cellar.config_hash'] ?? null,
        dataMd5: tags['cellar.data_md5'] ?? null,
        trackProcess: false,
      });
      return { run: runJson(store, store.getRun(info.runId)) };
    },
  },
  'runs/get': {
    write: false,
    handler: (store, f) => ({ run: runJson(store, exactRun(store, f)) }),
  },
  'runs/update': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const status = f.string('status');
      if (status !== undefined && status !== '' && !(RUN_STATUSES as readonly string[]).includes(status))
        throw invalid(`${f.endpoint}: status must be one of ${RUN_STATUSES.join(', ')} (got '${status}')`);
      const info = store.updateRun(run.info.runId, {
        status: status ? (status as (typeof RUN_STATUSES)[number]) : undefined,
        endTime: f.integer('end_time'),
        runName: f.string('run_name') || undefined,
      });
      return { run_info: toMlflowRunInfo(info) };
    },
  },
  'runs/delete': {
    write: true,
    handler: (store, f) => {
      store.setRunLifecycle(exactRun(store, f).info.runId, 'deleted');
      return {};
    },
  },
  'runs/restore': {
    write: true,
    handler: (store, f) => {
      store.setRunLifecycle(exactRun(store, f).info.runId, 'active');
      return {};
    },
  },
  'runs/search': {
    write: false,
    handler: (store, f) => {
      const ids = f.list('experiment_ids').map((id) => parseExperimentId(String(id), f.endpoint));
      const limit = maxResults(f, 1000, MAX_SEARCH_RESULTS);
      const offset = decodePageToken(f);
      const filter = f.string('filter');
      const orderBy = f.list('order_by').map(String);
      const result = store.searchRuns({
        experimentIds: ids.length > 0 ? ids : undefined,
        filter: filter === undefined || filter.trim() === '' ? undefined : filter,
        orderBy,
        lifecycle: viewType(f, 'run_view_type'),
        maxResults: limit,
        offset,
      });
      const latest = store.latestMetrics(result.runs.map((r) => r.info.runId));
      return {
        runs: result.runs.map((r) => toMlflowRun(r, latest[r.info.runId] ?? [])),
        ...(offset + result.runs.length < result.total
          ? { next_page_token: encodePageToken(offset + result.runs.length) }
          : {}),
      };
    },
  },
  'runs/log-batch': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const metricsRaw = f.list('metrics');
      const paramsRaw = f.list('params');
      const tagsRaw = f.list('tags');
      if (
        metricsRaw.length > MAX_BATCH_METRICS ||
        paramsRaw.length > MAX_BATCH_PARAMS ||
        tagsRaw.length > MAX_BATCH_TAGS
      )
        throw invalid(
          `${f.endpoint}: a batch holds at most ${MAX_BATCH_METRICS} metrics, ${MAX_BATCH_PARAMS} params and ${MAX_BATCH_TAGS} tags (got ${metricsRaw.length}, ${paramsRaw.length}, ${tagsRaw.length}); split it`,
        );
      const metrics = metricsRaw.map((m, i) => metricFrom(f, m, `metrics[${i}]`));
      const params = keyValues(f, 'params');
      for (const [key, value] of Object.entries(params)) checkParamValue(f, key, value);
      const tags = keyValues(f, 'tags');
      store.logBatch(run.info.runId, { params, metrics, tags });
      if (tags[RUN_NAME_TAG]) store.updateRun(run.info.runId, { runName: tags[RUN_NAME_TAG] });
      return {};
    },
  },
  'runs/log-metric': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const metric = metricFrom(
        f,
        {
          key: f.requireString('key'),
          value: f.raw('value'),
          timestamp: f.raw('timestamp'),
          step: f.raw('step'),
        },
        'metric',
      );
      store.logBatch(run.info.runId, { metrics: [metric] });
      return {};
    },
  },
  'runs/log-parameter': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const key = f.requireString('key');
      const value = f.string('value') ?? '';
      checkParamValue(f, key, value);
      store.logBatch(run.info.runId, { params: { [key]: value } });
      return {};
    },
  },
  'runs/set-tag': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const key = f.requireString('key');
      const value = f.string('value') ?? '';
      store.logBatch(run.info.runId, { tags: { [key]: value } });
      if (key === RUN_NAME_TAG && value !== '') store.updateRun(run.info.runId, { runName: value });
      return {};
    },
  },
  'runs/delete-tag': {
    write: true,
    handler: (store, f) => {
      const run = activeRun(store, f);
      const key = f.requireString('key');
      if (run.tags[key] === undefined)
        throw new MlflowApiError(
          'RESOURCE_DOES_NOT_EXIST',
          `${f.endpoint}: run ${run.info.runId} has no tag '${key}'`,
        );
      store.deleteTag(run.info.runId, key);
      return {};
    },
  },
  'metrics/get-history': {
    write: false,
    handler: (store, f) => {
      const run = exactRun(store, f);
      const history = store.getMetricHistory(run.info.runId, f.requireString('metric_key'));
      const offset = decodePageToken(f);
      const limit = f.has('max_results') ? maxResults(f, 25_000, 25_000) : history.length;
      const page = history.slice(offset, offset + limit);
      return {
        metrics: page.map(toMlflowMetric),
        ...(offset + page.length < history.length
          ? { next_page_token: encodePageToken(offset + page.length) }
          : {}),
      };
    },
  },
};

/** `/api/2.0/mlflow/<name>` -> route. */
export const ROUTES: Record<string, Route> = { ...experiments, ...runs };

export { exactRun };
