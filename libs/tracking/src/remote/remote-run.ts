// trainingRun against a tracking server (CELLAR_TRACKING_URI / MLFLOW_TRACKING_URI) over the MLflow
// REST API. On a network failure the run fails with a clear error; nothing is spooled (see README,
// "Shared tracking server"): a replay could not tell a lost answer from a lost request and would
// log runs twice, and a train that reports success while its run sits in a local spool would hide
// from the shared server exactly the runs its users are looking for.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { errorMessage } from '@cellar/config';
import { TrackingError } from '../errors';
import { normalizeArtifactName } from '../store/artifact-files';
import type { ArtifactInfo, ParamValue, RunDetail, RunInfo, RunStatus } from '../store/types';
import { MlflowRestClient, type MlflowKV, type MlflowRunJson } from './rest-client';
import type { RemoteTracking } from './tracking-uri';

// MLflow's per-request limits on log-batch.
const BATCH = { params: 100, metrics: 1000, tags: 100 };
export const CONFIG_HASH_TAG = 'cellar.config_hash';
export const DATA_MD5_TAG = 'cellar.data_md5';
export const GIT_COMMIT_TAG = 'mlflow.source.git.commit';
export const ERROR_TAG = 'cellar.error';

export interface RemoteRunStart {
  experiment: string;
  runName?: string;
  tags?: Record<string, string>;
  gitCommit: string | null;
  configHash: string | null;
  dataMd5: string | null;
}

interface PendingArtifact extends ArtifactInfo {
  file: string;
}

const kv = (record: Record<string, string>): MlflowKV[] =>
  Object.entries(record).map(([key, value]) => ({ key, value }));

function paramText(value: ParamValue): string {
  if (value === null) return 'null';
  return typeof value === 'string' ? value : String(value);
}

function jsonMetric(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A run on a tracking server: logs are kept in memory and sent when the run ends. */
export class RemoteRun {
  private params: Record<string, string> = {};
  private metrics: { key: string; value: number | string; timestamp: number; step: number }[] = [];
  private tags: Record<string, string> = {};
  private artifacts = new Map<string, PendingArtifact>();

  private constructor(
    readonly client: MlflowRestClient,
    readonly experiment: string,
    readonly json: MlflowRunJson,
  ) {}

  /** Looks up (or creates) the experiment and creates the run: fails before any training if the server can't be reached. */
  static async start(remote: RemoteTracking, o: RemoteRunStart): Promise<RemoteRun> {
    const client = new MlflowRestClient(remote);
    const experimentId = await client.experimentId(o.experiment);
    const tags: Record<string, string> = { ...(o.tags ?? {}) };
    if (o.gitCommit) tags[GIT_COMMIT_TAG] = o.gitCommit;
    if (o.configHash) tags[CONFIG_HASH_TAG] = o.configHash;
    if (o.dataMd5) tags[DATA_MD5_TAG] = o.dataMd5;
    let user = '';
    try {
      user = os.userInfo().username;
    } catch {
      // no passwd entry (some containers): leave it empty
    }
    const created = await client.post<{ run: MlflowRunJson }>(
      'runs/create',
      {
        experiment_id: experimentId,
        ...(o.runName ? { run_name: o.runName } : {}),
        user_id: user,
        start_time: Date.now(),
        tags: kv(tags),
      },
      'creating the run',
    );
    return new RemoteRun(client, o.experiment, created.run);
  }

  get runId(): string {
    return this.json.info.run_id;
  }

  get info(): RunInfo {
    return toRunDetail(this.json, this.experiment, []).info;
  }

  logParams(params: Record<string, ParamValue>): void {
    for (const [key, value] of Object.entries(params)) {
      const text = paramText(value);
      const old = this.params[key];
      if (old !== undefined && old !== text)
        throw new TrackingError(
          'PARAM_IMMUTABLE',
          `param '${key}' of run ${this.runId} is already '${old}'; params are immutable (got '${text}')`,
          { runId: this.runId, key },
        );
      this.params[key] = text;
    }
  }

  logMetrics(metrics: Record<string, number>, step = 0): void {
    if (!Number.isInteger(step))
      throw new TrackingError(
        'INVALID_VALUE',
        `metric step of run ${this.runId} must be an integer (got ${step})`,
        {
          runId: this.runId,
        },
      );
    const timestamp = Date.now();
    for (const [key, value] of Object.entries(metrics)) {
      if (typeof value !== 'number')
        throw new TrackingError(
          'INVALID_VALUE',
          `metric '${key}' of run ${this.runId} must be a number (got ${JSON.stringify(value)})`,
          { runId: this.runId, key },
        );
      this.metrics.push({ key, value: jsonMetric(value), timestamp, step });
    }
  }

  setTags(tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) this.tags[key] = String(value);
  }

  /** Checks and fingerprints the file now; it is uploaded when the run ends. */
  logArtifact(file: string, name?: string): ArtifactInfo {
    const artifactName = normalizeArtifactName(name ?? path.basename(file));
    const source = path.resolve(file);
    let bytes: Buffer;
    try {
      bytes = fs.readFileSync(source);
    } catch (err) {
      throw new TrackingError(
        'ARTIFACT_NOT_FOUND',
        `artifact source '${file}' of run ${this.runId} cannot be read (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`,
        { runId: this.runId, file: source, cause: err },
      );
    }
    const info = {
      path: artifactName,
      size: bytes.length,
      sha256: crypto.createHash('sha256').update(bytes).digest('hex'),
    };
    this.artifacts.set(artifactName, { ...info, file: source });
    return info;
  }

  /** Artifacts first, then params/metrics/tags, then FINISHED: a run reads FINISHED only when all of it is there. */
  async finish(): Promise<RunDetail> {
    const artifactUri = this.json.info.artifact_uri;
    for (const a of this.artifacts.values()) await this.client.uploadArtifact(artifactUri, a.path, a.file);
    const params = kv(this.params);
    const tags = kv(this.tags);
    const rounds = Math.max(
      1,
      Math.ceil(params.length / BATCH.params),
      Math.ceil(this.metrics.length / BATCH.metrics),
      Math.ceil(tags.length / BATCH.tags),
    );
    const p = chunks(params, BATCH.params);
    const m = chunks(this.metrics, BATCH.metrics);
    const t = chunks(tags, BATCH.tags);
    for (let i = 0; i < rounds; i += 1) {
      await this.client.post(
        'runs/log-batch',
        { run_id: this.runId, params: p[i] ?? [], metrics: m[i] ?? [], tags: t[i] ?? [] },
        'logging params, metrics and tags',
      );
    }
    await this.end('FINISHED');
    const got = await this.client.get<{ run: MlflowRunJson }>(
      'runs/get',
      { run_id: this.runId },
      'reading the run back',
    );
    return toRunDetail(
      got.run,
      this.experiment,
      [...this.artifacts.values()].map(({ path: p2, size, sha256 }) => ({ path: p2, size, sha256 })),
    );
  }

  async end(status: Exclude<RunStatus, 'RUNNING'>, error?: string): Promise<void> {
    if (error !== undefined)
      await this.client.post(
        'runs/set-tag',
        { run_id: this.runId, key: ERROR_TAG, value: error.slice(0, 5000) },
        `recording the run's error`,
      );
    await this.client.post(
      'runs/update',
      { run_id: this.runId, status, end_time: Date.now() },
      `marking the run ${status}`,
    );
  }
}

export function toRunDetail(json: MlflowRunJson, experiment: string, artifacts: ArtifactInfo[]): RunDetail {
  const tags: Record<string, string> = {};
  for (const t of json.data.tags ?? []) tags[t.key] = t.value;
  const params: Record<string, string> = {};
  for (const p of json.data.params ?? []) params[p.key] = p.value;
  const metrics: Record<string, number> = {};
  for (const m of json.data.metrics ?? [])
    metrics[m.key] = typeof m.value === 'number' ? m.value : Number(m.value);
  const info = json.info;
  return {
    info: {
      runId: info.run_id,
      experimentId: Number(info.experiment_id),
      experimentName: experiment,
      runName: info.run_name ?? tags['mlflow.runName'] ?? '',
      status: info.status as RunStatus,
      startTime: Number(info.start_time),
      endTime: info.end_time === undefined ? null : Number(info.end_time),
      gitCommit: tags[GIT_COMMIT_TAG] ?? null,
      configHash: tags[CONFIG_HASH_TAG] ?? null,
      dataMd5: tags[DATA_MD5_TAG] ?? null,
      error: tags[ERROR_TAG] ?? null,
      lifecycleStage: info.lifecycle_stage === 'deleted' ? 'deleted' : 'active',
      ...(info.user_id ? { userId: info.user_id } : {}),
    },
    params,
    metrics,
    tags,
    artifacts,
  };
}
