// A small MLflow REST API 2.0 client over Node's fetch: what a remote run needs, no more.
import { errorMessage } from '@cellar/config';
import * as fs from 'node:fs';
import { TrackingError } from '../errors';
import type { RemoteTracking } from './tracking-uri';

/** One request; a server that answers nothing in this time is treated as unreachable. */
export const REQUEST_TIMEOUT_MS = 30_000;

export interface MlflowKV {
  key: string;
  value: string;
}

export interface MlflowRunJson {
  info: {
    run_id: string;
    experiment_id: string;
    run_name?: string;
    user_id?: string;
    status: string;
    start_time: number;
    end_time?: number;
    artifact_uri: string;
    lifecycle_stage: string;
  };
  data: {
    metrics?: { key: string; value: number | string; timestamp: number; step: number }[];
    params?: MlflowKV[];
    tags?: MlflowKV[];
  };
}

export class MlflowRestClient {
  constructor(readonly remote: RemoteTracking) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return {
      Accept: 'application/json',
      ...(this.remote.token ? { Authorization: `Bearer ${this.remote.token}` } : {}),
      ...extra,
    };
  }

  /** `doing` names the step in messages: "creating the run", "uploading model.json". */
  async request<T>(
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    doing: string,
    body?: { json?: unknown; blob?: Blob },
  ): Promise<T> {
    const url = `${this.remote.uri}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: this.headers(body?.json !== undefined ? { 'Content-Type': 'application/json' } : {}),
        body: body?.json !== undefined ? JSON.stringify(body.json) : body?.blob,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? errorMessage(err);
      throw new TrackingError(
        'REMOTE_UNREACHABLE',
        `tracking server ${this.remote.uri} (${this.remote.source}) is unreachable while ${doing} (${cause}); start it (cellar server) or unset ${this.remote.source} to log locally`,
        { key: this.remote.source, cause: err },
      );
    }
    const text = await res.text().catch(() => '');
    if (res.ok) return (text === '' ? {} : JSON.parse(text)) as T;
    let detail = text.slice(0, 300);
    let code = '';
    try {
      const e = JSON.parse(text) as { error_code?: string; message?: string };
      code = e.error_code ?? '';
      detail = e.message ?? detail;
    } catch {
      // not JSON: keep the text
    }
    const hint =
      res.status === 401 || res.status === 403
        ? '; set CELLAR_TRACKING_TOKEN to a write token of that server'
        : '';
    throw new RemoteRejection(
      `tracking server ${this.remote.uri} refused ${doing}: HTTP ${res.status}${code ? ` ${code}` : ''}: ${detail}${hint}`,
      res.status,
      code,
      this.remote.source,
    );
  }

  post<T>(endpoint: string, json: unknown, doing: string): Promise<T> {
    return this.request<T>('POST', `/api/2.0/mlflow/${endpoint}`, doing, { json });
  }

  get<T>(endpoint: string, query: Record<string, string>, doing: string): Promise<T> {
    return this.request<T>(
      'GET',
      `/api/2.0/mlflow/${endpoint}?${new URLSearchParams(query).toString()}`,
      doing,
    );
  }

  /** The run's experiment id, creating the experiment when missing (a parallel creator may win). */
  async experimentId(name: string): Promise<string> {
    const doing = `looking up experiment '${name}'`;
    for (let attempt = 0; ; attempt += 1) {
      try {
        const got = await this.get<{ experiment: { experiment_id: string; lifecycle_stage: string } }>(
          'experiments/get-by-name',
          { experiment_name: name },
          doing,
        );
        if (got.experiment.lifecycle_stage !== 'active')
          throw new TrackingError(
            'REMOTE_REJECTED',
            `experiment '${name}' is deleted on ${this.remote.uri}; restore it there or log to another experiment`,
            { key: name },
          );
        return got.experiment.experiment_id;
      } catch (err) {
        if (!(err instanceof RemoteRejection) || err.errorCode !== 'RESOURCE_DOES_NOT_EXIST' || attempt > 0)
          throw err;
      }
      try {
        const made = await this.post<{ experiment_id: string }>(
          'experiments/create',
          { name },
          `creating experiment '${name}'`,
        );
        return made.experiment_id;
      } catch (err) {
        if (!(err instanceof RemoteRejection) || err.errorCode !== 'RESOURCE_ALREADY_EXISTS') throw err;
      }
    }
  }

  /** PUT through the server's mlflow-artifacts proxy, under the run's artifact_uri. */
  async uploadArtifact(artifactUri: string, name: string, file: string): Promise<void> {
    const match = /^mlflow-artifacts:\/*(.*)$/.exec(artifactUri);
    if (!match)
      throw new TrackingError(
        'REMOTE_REJECTED',
        `tracking server ${this.remote.uri} keeps artifacts at '${artifactUri}'; Cellar uploads only through the server (mlflow-artifacts:/, e.g. mlflow server --serve-artifacts)`,
        { key: name },
      );
    const encoded = [...match[1].split('/').filter(Boolean), ...name.split('/')]
      .map(encodeURIComponent)
      .join('/');
    const blob = await fs.openAsBlob(file);
    await this.request(
      'PUT',
      `/api/2.0/mlflow-artifacts/artifacts/${encoded}`,
      `uploading artifact '${name}'`,
      {
        blob,
      },
    );
  }
}

export class RemoteRejection extends TrackingError {
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string,
    source: string,
  ) {
    super('REMOTE_REJECTED', message, { key: source });
  }
}
