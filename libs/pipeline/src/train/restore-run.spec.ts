import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '@cellar/tracking';
import { wineWorkspace } from '../testing/wine-workspace';
import { restoreTrainedRun, TASK_HASH_TAG } from './restore-run';
import { trainPipeline } from './train';

const ws = wineWorkspace();
const HASH = '15978633242450754867';
const pipeline = ws.addPipeline('wine-logreg', 'logreg');
const at = (name: string) => join(ws.root, 'apps/wine-logreg', name);
const base = { root: ws.root, project: 'wine-logreg', projectRoot: 'apps/wine-logreg', taskHash: HASH };
let runId: string;
let model: Buffer;
let metrics: Buffer;

function runCount(): number {
  const store = openStore({ root: ws.root, readonly: true });
  try {
    return store.searchRuns().total;
  } finally {
    store.close();
  }
}

beforeAll(async () => {
  // Before any run is tracked there is no store to look in.
  expect(restoreTrainedRun(base, {})).toBeNull();
  expect(existsSync(join(ws.root, 'mlruns'))).toBe(false);
  const r = await trainPipeline({ ...base, pipeline });
  runId = r.runId as string;
  model = readFileSync(at('model.json'));
  metrics = readFileSync(at('metrics.json'));
});
afterAll(() => ws.dispose());

describe('restoreTrainedRun', () => {
  it('tags the run with the task hash and gives its model.json and metrics.json back, byte for byte, logging nothing', () => {
    const store = openStore({ root: ws.root, readonly: true });
    try {
      expect(store.getRun(runId).tags[TASK_HASH_TAG]).toBe(HASH);
    } finally {
      store.close();
    }
    rmSync(at('model.json'));
    rmSync(at('metrics.json'));
    const restored = restoreTrainedRun(base, {});
    expect(restored).toEqual({ runId, metrics: JSON.parse(metrics.toString()) });
    expect(readFileSync(at('model.json')).equals(model)).toBe(true);
    expect(readFileSync(at('metrics.json')).equals(metrics)).toBe(true);
    expect(runCount()).toBe(1);
  });

  it('finds nothing for another hash, another project, or a hash that is not an Nx hash', () => {
    expect(restoreTrainedRun({ ...base, taskHash: '1' }, {})).toBeNull();
    expect(restoreTrainedRun({ ...base, project: 'wine-other' }, {})).toBeNull();
    expect(restoreTrainedRun({ ...base, taskHash: `${HASH}' or '1' = '1` }, {})).toBeNull();
  });

  it('uses only FINISHED runs, and fits again when the run lost its artifacts', () => {
    const store = openStore({ root: ws.root });
    try {
      const failed = store.createRun({
        experiment: 'wine-quality',
        tags: { [TASK_HASH_TAG]: '42', pipeline: 'wine-logreg' },
      });
      store.logArtifact(failed.runId, at('model.json'));
      store.logArtifact(failed.runId, at('metrics.json'));
      store.endRun(failed.runId, 'FAILED', 'boom');
      expect(restoreTrainedRun({ ...base, taskHash: '42' }, {})).toBeNull();
      rmSync(store.artifactFile(runId, 'model.json'));
    } finally {
      store.close();
    }
    expect(restoreTrainedRun(base, {})).toBeNull();
  });

  it('leaves runs on a tracking server, and a database named elsewhere that does not exist, alone', () => {
    expect(restoreTrainedRun(base, { CELLAR_TRACKING_URI: 'http://127.0.0.1:1' })).toBeNull();
    expect(restoreTrainedRun(base, { CELLAR_TRACKING_DB: 'elsewhere/none.db' })).toBeNull();
  });
});
