// The MLflow API refusing what it must: traversal in artifact paths, run-id prefixes, bad JSON,
// wrong methods, unknown endpoints, a deleted run's uploads.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '../server';

let root: string;
let store: TrackingStore;
let server: UiServer;
let api: string;
let runId: string;
let experimentId: number;
beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-mlflow-security-'));
  store = openStore({ root });
  server = await startUiServer({ store, port: 0, writable: true, auth: { read: [], write: [] } });
  api = `${server.url}api/2.0/mlflow/`;
  const run = store.createRun({ experiment: 'sec', trackProcess: false });
  runId = run.runId;
  experimentId = run.experimentId;
  fs.writeFileSync(path.join(root, 'secret.txt'), 'top secret');
});
afterAll(async () => {
  await server.close();
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

async function json(res: Response): Promise<{ status: number; error_code?: string; message?: string }> {
  return { status: res.status, ...((await res.json()) as { error_code?: string; message?: string }) };
}

/** The path exactly as written: fetch would resolve `..` and `%2e%2e` before sending. */
function rawPut(pathname: string): Promise<{ status: number; error_code?: string }> {
  const { port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'PUT' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, ...(JSON.parse(body) as { error_code?: string }) }),
      );
    });
    req.on('error', reject);
    req.end('x');
  });
}

it('refuses artifact paths that climb out, on upload and download', async () => {
  const base = `/api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts`;
  for (const evil of [
    '../../../secret.txt',
    '%2e%2e/%2e%2e/x.txt',
    'a/./b.txt',
    'a//b.txt',
    'a/..%2f..%2fx',
  ]) {
    expect(await rawPut(`${base}/${evil}`)).toMatchObject({
      status: 400,
      error_code: 'INVALID_PARAMETER_VALUE',
    });
  }
  const get = await json(await fetch(`${server.url}get-artifact?run_id=${runId}&path=../../../secret.txt`));
  expect(get).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  expect(store.getRun(runId).artifacts).toEqual([]);
  // The experiment part of the path must be the run's own.
  const other = await json(
    await fetch(`${server.url}api/2.0/mlflow-artifacts/artifacts/999/${runId}/artifacts/x.txt`, {
      method: 'PUT',
      body: 'x',
    }),
  );
  expect(other).toMatchObject({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' });
});

it('takes run ids exactly: a unique prefix or a run name is not the run', async () => {
  const prefix = await json(await fetch(`${api}runs/get?run_id=${runId.slice(0, 8)}`));
  expect(prefix).toMatchObject({ status: 404, error_code: 'RESOURCE_DOES_NOT_EXIST' });
  const ok = await fetch(`${api}runs/get?run_id=${runId}`);
  expect(ok.status).toBe(200);
});

it('answers bad JSON, wrong methods and unknown endpoints in MLflow shapes', async () => {
  const badJson = await json(await fetch(`${api}runs/log-batch`, { method: 'POST', body: '{"run_id": ' }));
  expect(badJson).toMatchObject({ status: 400, error_code: 'BAD_REQUEST' });
  const arrayBody = await json(await fetch(`${api}runs/log-batch`, { method: 'POST', body: '[]' }));
  expect(arrayBody).toMatchObject({ status: 400, error_code: 'BAD_REQUEST' });
  const get = await fetch(`${api}runs/log-batch?run_id=${runId}`);
  expect(get.status).toBe(405);
  expect(get.headers.get('allow')).toBe('POST');
  const unknown = await json(await fetch(`${api}runs/teleport`, { method: 'POST', body: '{}' }));
  expect(unknown).toMatchObject({ status: 404, error_code: 'ENDPOINT_NOT_FOUND' });
  const missing = await json(
    await fetch(`${api}runs/log-metric`, {
      method: 'POST',
      body: JSON.stringify({ run_id: runId, key: 'm' }),
    }),
  );
  expect(missing).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  expect(missing.message).toBe("runs/log-metric: metric ('m') is missing its value");
  const tooMany = await json(
    await fetch(`${api}runs/log-batch`, {
      method: 'POST',
      body: JSON.stringify({
        run_id: runId,
        params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: '1' })),
      }),
    }),
  );
  expect(tooMany).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  expect(store.getRun(runId).params).toEqual({});
});

it('keeps uploads away from a deleted run', async () => {
  store.setRunLifecycle(runId, 'deleted');
  try {
    const put = await json(
      await fetch(
        `${server.url}api/2.0/mlflow-artifacts/artifacts/${experimentId}/${runId}/artifacts/m.txt`,
        {
          method: 'PUT',
          body: 'x',
        },
      ),
    );
    expect(put).toMatchObject({ status: 400, error_code: 'INVALID_PARAMETER_VALUE' });
  } finally {
    store.setRunLifecycle(runId, 'active');
  }
});
