// The MLflow REST API as a client nobody here wrote sees it: the npm package `mlflow` (2.0.7)
// against the real server on 127.0.0.1, every value read back and checked.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import MLflow from 'mlflow';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '../server';

let root: string;
let store: TrackingStore;
let server: UiServer;
// The package's .d.ts marks optional fields (artifact_location, user_id) required and types list
// answers as one object; call it through a plain view and check the answers ourselves.
type Call = (args: Record<string, unknown>) => Promise<unknown>;
type Group = Record<string, Call>;
let client: { Experiments: Group; Runs: Group; Metrics: Group; Artifacts: Group };
let endpoint: string;

beforeAll(async () => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-mlflow-client-'));
  store = openStore({ root });
  server = await startUiServer({ store, port: 0, writable: true, auth: { read: [], write: [] } });
  endpoint = server.url.replace(/\/$/, '');
  client = new MLflow({ endpoint }) as unknown as typeof client;
  // The client prints every request body; keep the test output readable.
  vi.spyOn(console, 'log').mockImplementation(() => undefined);
});
afterAll(async () => {
  vi.restoreAllMocks();
  await server.close();
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

/** The client throws Error("Error: {status, statusText, data}"). */
async function failure(
  p: Promise<unknown>,
): Promise<{ status: number; data: { error_code: string; message: string } }> {
  const err = await p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: Error) => e,
  );
  return JSON.parse(err.message.replace(/^Error: /, '')) as {
    status: number;
    data: { error_code: string; message: string };
  };
}

describe('the mlflow npm client against cellar server', () => {
  it('runs a scripted session: experiment, runs, log-batch, search, history, finish, artifacts', async () => {
    const t0 = 1_790_000_000_000;
    const { experiment_id } = (await client.Experiments.create({ name: 'wine-remote' })) as {
      experiment_id: string;
    };
    expect(experiment_id).toMatch(/^\d+$/);
    const got = (await client.Experiments.get({ experiment_id })) as { experiment: Record<string, unknown> };
    expect(got.experiment).toMatchObject({
      experiment_id,
      name: 'wine-remote',
      lifecycle_stage: 'active',
      artifact_location: `mlflow-artifacts:/${experiment_id}`,
    });

    const created = (await client.Runs.create({
      experiment_id,
      user_id: 'ana',
      start_time: t0,
      tags: [{ key: 'mlflow.runName', value: 'rf-1' }],
    })) as { run: { info: Record<string, unknown> } };
    const runId = created.run.info.run_id as string;
    expect(runId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.run.info).toEqual({
      run_id: runId,
      run_uuid: runId,
      experiment_id,
      run_name: 'rf-1',
      user_id: 'ana',
      status: 'RUNNING',
      start_time: t0,
      artifact_uri: `mlflow-artifacts:/${experiment_id}/${runId}/artifacts`,
      lifecycle_stage: 'active',
    });

    await client.Runs.logBatch({
      run_id: runId,
      params: [
        { key: 'model', value: 'rf' },
        { key: 'n_estimators', value: '100' },
      ],
      metrics: [0.81, 0.86, 0.9].map((value, step) => ({
        key: 'accuracy',
        value,
        timestamp: t0 + step,
        step,
      })),
      tags: [{ key: 'stage', value: 'test' }],
    });
    // A second run that the filter must leave out.
    const other = (await client.Runs.create({ experiment_id, start_time: t0 + 10, tags: [] })) as {
      run: { info: { run_id: string } };
    };
    await client.Runs.logBatch({
      run_id: other.run.info.run_id,
      params: [{ key: 'model', value: 'logreg' }],
      metrics: [{ key: 'accuracy', value: 0.95, timestamp: t0, step: 0 }],
      tags: [],
    });

    const found = (await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "metrics.accuracy > 0.85 and params.model = 'rf'",
    })) as { runs: { info: { run_id: string }; data: Record<string, unknown> }[] };
    expect(found.runs.map((r) => r.info.run_id)).toEqual([runId]);
    expect(found.runs[0].data).toEqual({
      metrics: [{ key: 'accuracy', value: 0.9, timestamp: t0 + 2, step: 2 }],
      params: [
        { key: 'model', value: 'rf' },
        { key: 'n_estimators', value: '100' },
      ],
      tags: [
        { key: 'mlflow.runName', value: 'rf-1' },
        { key: 'stage', value: 'test' },
      ],
    });
    const either = (await client.Runs.search({
      experiment_ids: [experiment_id],
      filter: "params.model = 'logreg' OR (metrics.accuracy < 0.95 AND tags.stage = 'test')",
      order_by: ['metrics.accuracy DESC'],
    })) as { runs: { info: { run_id: string } }[] };
    expect(either.runs.map((r) => r.info.run_id)).toEqual([other.run.info.run_id, runId]);

    const history = (await client.Metrics.getHistory({ run_id: runId, metric_key: 'accuracy' })) as {
      metrics: unknown[];
    };
    expect(history.metrics).toEqual([
      { key: 'accuracy', value: 0.81, timestamp: t0, step: 0 },
      { key: 'accuracy', value: 0.86, timestamp: t0 + 1, step: 1 },
      { key: 'accuracy', value: 0.9, timestamp: t0 + 2, step: 2 },
    ]);

    const updated = (await client.Runs.update({
      run_id: runId,
      status: 'FINISHED',
      end_time: t0 + 60_000,
    })) as {
      run_info: Record<string, unknown>;
    };
    expect(updated.run_info).toMatchObject({ run_id: runId, status: 'FINISHED', end_time: t0 + 60_000 });
    const after = (await client.Runs.get({ run_id: runId })) as { run: { info: Record<string, unknown> } };
    expect(after.run.info).toMatchObject({ status: 'FINISHED', end_time: t0 + 60_000 });

    // Upload through the mlflow-artifacts proxy, as MLflow's own client does for mlflow-artifacts:/ URIs.
    for (const [name, body] of [
      ['model.json', '{"kind":"rf"}'],
      ['plots/roc.svg', '<svg/>'],
    ] as const) {
      const put = await fetch(
        `${endpoint}/api/2.0/mlflow-artifacts/artifacts/${experiment_id}/${runId}/artifacts/${name}`,
        { method: 'PUT', body },
      );
      expect(put.status).toBe(200);
    }
    const listed = (await client.Artifacts.list({ run_id: runId })) as { root_uri: string; files: unknown[] };
    expect(listed).toEqual({
      root_uri: `mlflow-artifacts:/${experiment_id}/${runId}/artifacts`,
      files: [
        { path: 'model.json', is_dir: false, file_size: 13 },
        { path: 'plots', is_dir: true },
      ],
    });
    const inPlots = (await client.Artifacts.list({ run_id: runId, path: 'plots' })) as { files: unknown[] };
    expect(inPlots.files).toEqual([{ path: 'plots/roc.svg', is_dir: false, file_size: 6 }]);
    // A server without tokens ignores a token it was sent.
    const download = await fetch(`${endpoint}/get-artifact?run_id=${runId}&path=model.json`, {
      headers: { Authorization: 'Bearer some-other-servers-token' },
    });
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('{"kind":"rf"}');
  });

  it('answers MLflow error codes and statuses', async () => {
    const dup = await failure(
      client.Experiments.create({ name: 'twice' }).then(() => client.Experiments.create({ name: 'twice' })),
    );
    expect(dup.status).toBe(400);
    expect(dup.data.error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const missing = await failure(client.Runs.get({ run_id: 'f'.repeat(32) }));
    expect(missing).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const noExp = await failure(client.Experiments.get({ experiment_id: '987654' }));
    expect(noExp).toMatchObject({ status: 404, data: { error_code: 'RESOURCE_DOES_NOT_EXIST' } });
    const badFilter = await failure(client.Runs.search({ experiment_ids: [], filter: 'metrics.accuracy >' }));
    expect(badFilter.status).toBe(400);
    expect(badFilter.data.error_code).toBe('INVALID_PARAMETER_VALUE');
    expect(badFilter.data.message).toContain('column');
  });

  it('soft-deletes and restores runs and experiments; params stay immutable', async () => {
    const { experiment_id } = (await client.Experiments.create({ name: 'lifecycle' })) as {
      experiment_id: string;
    };
    const { run } = (await client.Runs.create({ experiment_id, start_time: Date.now(), tags: [] })) as {
      run: { info: { run_id: string } };
    };
    const runId = run.info.run_id;
    await client.Runs.logParameter({ run_id: runId, key: 'C', value: '1.0' });
    const changed = await failure(client.Runs.logParameter({ run_id: runId, key: 'C', value: '2.0' }));
    expect(changed).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });
    await client.Runs.setTag({ run_id: runId, key: 'note', value: 'x' });
    await client.Runs.deleteTag({ run_id: runId, key: 'note' });
    const ids = async (view?: string): Promise<string[]> =>
      (
        (
          (await client.Runs.search({ experiment_ids: [experiment_id], run_view_type: view })) as {
            runs?: { info: { run_id: string } }[];
          }
        ).runs ?? []
      ).map((r) => r.info.run_id);
    await client.Runs.delete({ run_id: runId });
    expect(await ids()).toEqual([]);
    expect(await ids('DELETED_ONLY')).toEqual([runId]);
    const onDeleted = await failure(client.Runs.setTag({ run_id: runId, key: 'k', value: 'v' }));
    expect(onDeleted.data.error_code).toBe('INVALID_PARAMETER_VALUE');
    await client.Runs.restore({ run_id: runId });
    expect(await ids()).toEqual([runId]);
    const got = (await client.Runs.get({ run_id: runId })) as { run: { data: { tags: { key: string }[] } } };
    expect(got.run.data.tags.map((t) => t.key)).not.toContain('note');

    await client.Experiments.delete({ experiment_id });
    const exp = (await client.Experiments.get({ experiment_id })) as {
      experiment: { lifecycle_stage: string };
    };
    expect(exp.experiment.lifecycle_stage).toBe('deleted');
    expect(await ids()).toEqual([]);
    await client.Experiments.restore({ experiment_id });
    expect(await ids()).toEqual([runId]);
    await client.Experiments.update({ experiment_id, new_name: 'lifecycle-renamed' });
    const byName = await fetch(
      `${endpoint}/api/2.0/mlflow/experiments/get-by-name?experiment_name=lifecycle-renamed`,
    );
    expect(
      ((await byName.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id,
    ).toBe(experiment_id);
  });

  it('pages runs/search and metrics/get-history with next_page_token', async () => {
    const { experiment_id } = (await client.Experiments.create({ name: 'paging' })) as {
      experiment_id: string;
    };
    const made: string[] = [];
    for (let i = 0; i < 5; i += 1) {
      const { run } = (await client.Runs.create({ experiment_id, start_time: 1_000 + i, tags: [] })) as {
        run: { info: { run_id: string } };
      };
      made.push(run.info.run_id);
    }
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const page = (await client.Runs.search({
        experiment_ids: [experiment_id],
        max_results: 2,
        order_by: ['attributes.start_time ASC'],
        page_token: token,
      })) as { runs: { info: { run_id: string } }[]; next_page_token?: string };
      seen.push(...page.runs.map((r) => r.info.run_id));
      token = page.next_page_token;
      pages += 1;
    } while (token !== undefined);
    expect(pages).toBe(3);
    expect(seen).toEqual(made);
    const bad = await failure(
      client.Runs.search({ experiment_ids: [experiment_id], page_token: 'not*a*token' }),
    );
    expect(bad).toMatchObject({ status: 400, data: { error_code: 'INVALID_PARAMETER_VALUE' } });

    await client.Runs.logBatch({
      run_id: made[0],
      metrics: Array.from({ length: 7 }, (_, step) => ({
        key: 'loss',
        value: 1 / (step + 1),
        timestamp: 5,
        step,
      })),
      params: [],
      tags: [],
    });
    const first = await fetch(
      `${endpoint}/api/2.0/mlflow/metrics/get-history?run_id=${made[0]}&metric_key=loss&max_results=4`,
    );
    const p1 = (await first.json()) as { metrics: { step: number }[]; next_page_token: string };
    const second = await fetch(
      `${endpoint}/api/2.0/mlflow/metrics/get-history?run_id=${made[0]}&metric_key=loss&max_results=4&page_token=${p1.next_page_token}`,
    );
    const p2 = (await second.json()) as { metrics: { step: number }[]; next_page_token?: string };
    expect([...p1.metrics, ...p2.metrics].map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(p2.next_page_token).toBeUndefined();
  });

  it('filters experiments/search by name and tags', async () => {
    const post = async (body: unknown) => {
      const res = await fetch(`${endpoint}/api/2.0/mlflow/experiments/search`, {
        method: 'POST',
        body: JSON.stringify(body),
      });
      return {
        status: res.status,
        body: (await res.json()) as { experiments?: { name: string }[]; error_code?: string },
      };
    };
    await fetch(`${endpoint}/api/2.0/mlflow/experiments/create`, {
      method: 'POST',
      body: JSON.stringify({ name: 'Tagged_Exp', tags: [{ key: 'team', value: 'wine' }] }),
    });
    const names = async (filter: string) =>
      ((await post({ filter })).body.experiments ?? []).map((e) => e.name);
    expect(await names("tags.team = 'wine'")).toEqual(['Tagged_Exp']);
    expect(await names("name LIKE 'wine-%'")).toEqual(['wine-remote']);
    expect(await names("name ILIKE 'tagged%' OR name = 'wine-remote'")).toEqual([
      'wine-remote',
      'Tagged_Exp',
    ]);
    expect(await names("name LIKE 'tagged%'")).toEqual([]);
    const bad = await post({ filter: 'metrics.accuracy > 1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error_code).toBe('INVALID_PARAMETER_VALUE');
  });

  it("logs runs without an experiment to MLflow's experiment 0, Default", async () => {
    const res = await fetch(`${endpoint}/api/2.0/mlflow/runs/create`, {
      method: 'POST',
      body: JSON.stringify({ run_name: 'no-experiment' }),
    });
    const { run } = (await res.json()) as { run: { info: { experiment_id: string; run_id: string } } };
    expect(run.info.experiment_id).toBe('0');
    const again = (await client.Runs.create({ experiment_id: '0', start_time: 1, tags: [] })) as {
      run: { info: { experiment_id: string } };
    };
    expect(again.run.info.experiment_id).toBe('0');
    const exp = (await client.Experiments.get({ experiment_id: '0' })) as { experiment: { name: string } };
    expect(exp.experiment.name).toBe('Default');
    expect(store.getRun(run.info.run_id).info.experimentName).toBe('Default');
  });
});
