import * as fs from 'node:fs';
import type * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { RunDetail, TrackingStore } from '@cellar/tracking';
import { ARTIFACT_CSP, contentDisposition, contentTypeFor } from '../http-util';
import { invalid, MlflowApiError } from './errors';
import { exactRun } from './handlers';
import { decodePageToken, Fields } from './request';
import { runArtifactUri } from './shapes';

/** One upload; larger files are refused with 413 rather than filling the server's disk. */
export const MAX_ARTIFACT_BYTES = 1024 * 1024 * 1024;

/** A relative artifact path: no '', '.', '..' segments, no backslashes or NULs. */
function cleanPath(raw: string, endpoint: string, allowEmpty: boolean): string {
  const trimmed = raw.replace(/^\/+|\/+$/g, '');
  if (trimmed === '' && allowEmpty) return '';
  const parts = trimmed.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0')))
    throw invalid(
      `${endpoint}: artifact path '${raw}' must be a plain relative path (no '.', '..' or empty parts)`,
    );
  return parts.join('/');
}

/** MLflow's ListArtifacts: the files and folders directly under `path`. */
export function listArtifacts(store: TrackingStore, f: Fields): unknown {
  const run = exactRun(store, f);
  const dir = cleanPath(f.string('path') ?? '', f.endpoint, true);
  decodePageToken(f);
  const prefix = dir === '' ? '' : `${dir}/`;
  const entries = new Map<string, { path: string; is_dir: boolean; file_size?: number }>();
  for (const a of run.artifacts) {
    if (!a.path.startsWith(prefix)) continue;
    const rest = a.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) entries.set(a.path, { path: a.path, is_dir: false, file_size: a.size });
    else {
      const sub = prefix + rest.slice(0, slash);
      entries.set(sub, { path: sub, is_dir: true });
    }
  }
  const files = [...entries.values()].sort((a, b) => a.path.localeCompare(b.path));
  return { root_uri: runArtifactUri(run.info), files };
}

async function sendFile(
  store: TrackingStore,
  run: RunDetail,
  name: string,
  res: http.ServerResponse,
  head: boolean,
): Promise<void> {
  const artifact = run.artifacts.find((a) => a.path === name);
  if (!artifact)
    throw new MlflowApiError('RESOURCE_DOES_NOT_EXIST', `run ${run.info.runId} has no artifact '${name}'`);
  const file = store.artifactFile(run.info.runId, name);
  const stat = await fs.promises.stat(file).catch(() => undefined);
  if (stat === undefined)
    throw new MlflowApiError(
      'RESOURCE_DOES_NOT_EXIST',
      `artifact '${name}' of run ${run.info.runId} is recorded but its file is missing`,
    );
  res.writeHead(200, {
    'Content-Type': contentTypeFor(name),
    'Content-Length': stat.size,
    'Content-Disposition': contentDisposition('attachment', name),
    'Content-Security-Policy': ARTIFACT_CSP,
    'X-Content-Type-Options': 'nosniff',
    'Cache-Control': 'no-cache',
    ETag: `"${artifact.sha256}"`,
  });
  if (head) res.end();
  else await pipeline(fs.createReadStream(file), res);
}

/** GET /get-artifact?run_id=&path= */
export async function getArtifact(
  store: TrackingStore,
  f: Fields,
  res: http.ServerResponse,
  head: boolean,
): Promise<void> {
  const run = exactRun(store, f);
  await sendFile(store, run, cleanPath(f.requireString('path'), f.endpoint, false), res, head);
}

/** `<experiment id>/<run id>/artifacts/<name>` as in the run's artifact_uri. */
function proxyTarget(
  store: TrackingStore,
  rawPath: string,
  endpoint: string,
): { run: RunDetail; name: string } {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    throw invalid(`${endpoint}: bad percent-encoding in '${rawPath}'`);
  }
  const parts = cleanPath(decoded, endpoint, false).split('/');
  if (parts.length < 4 || parts[2] !== 'artifacts')
    throw invalid(
      `${endpoint}: artifact path '${decoded}' must be <experiment_id>/<run_id>/artifacts/<file>, as the run's artifact_uri`,
    );
  const run = exactRun(store, new Fields(endpoint, { run_id: parts[1] }));
  if (String(run.info.experimentId) !== parts[0])
    throw new MlflowApiError(
      'RESOURCE_DOES_NOT_EXIST',
      `run ${run.info.runId} is not in experiment ${parts[0]} (it is in ${run.info.experimentId})`,
    );
  return { run, name: parts.slice(3).join('/') };
}

/** PUT /api/2.0/mlflow-artifacts/artifacts/<path>: the body is the file. */
export async function uploadArtifact(
  store: TrackingStore,
  rawPath: string,
  req: http.IncomingMessage,
): Promise<unknown> {
  const endpoint = 'mlflow-artifacts/artifacts';
  const { run, name } = proxyTarget(store, rawPath, endpoint);
  if (run.info.lifecycleStage !== 'active')
    throw invalid(`${endpoint}: run ${run.info.runId} is deleted; restore it before uploading artifacts`);
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_ARTIFACT_BYTES)
    throw new MlflowApiError(
      'INVALID_PARAMETER_VALUE',
      `${endpoint}: '${name}' is over ${MAX_ARTIFACT_BYTES} bytes`,
      413,
    );
  const tmpDir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'cellar-upload-'));
  try {
    const tmp = path.join(tmpDir, 'body');
    let size = 0;
    await pipeline(
      req,
      async function* limit(source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          size += chunk.length;
          if (size > MAX_ARTIFACT_BYTES)
            throw new MlflowApiError(
              'INVALID_PARAMETER_VALUE',
              `${endpoint}: '${name}' is over ${MAX_ARTIFACT_BYTES} bytes`,
              413,
            );
          yield chunk;
        }
      },
      fs.createWriteStream(tmp),
    );
    store.logArtifact(run.info.runId, tmp, name);
    return {};
  } finally {
    await fs.promises.rm(tmpDir, { recursive: true, force: true });
  }
}

/** GET /api/2.0/mlflow-artifacts/artifacts/<path>: the file. */
export async function downloadArtifact(
  store: TrackingStore,
  rawPath: string,
  res: http.ServerResponse,
  head: boolean,
): Promise<void> {
  const { run, name } = proxyTarget(store, rawPath, 'mlflow-artifacts/artifacts');
  await sendFile(store, run, name, res, head);
}
