import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from './store';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function storeWithArtifact() {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-exp-'));
  dirs.push(root);
  fs.writeFileSync(path.join(root, 'm.json'), '{"a":1}');
  const store = openStore({ root });
  const run = store.createRun({ experiment: 'wine', runName: 'r1' });
  store.logArtifact(run.runId, 'm.json', 'model/m.json');
  store.createRun({ experiment: 'beer', runName: 'r2' });
  return { root, store, runId: run.runId };
}

describe('renameExperiment / deleteExperiment', () => {
  it('rename moves the runs and the artifact folder to the new name', () => {
    const { store, runId } = storeWithArtifact();
    expect(store.renameExperiment('wine', 'wine_v2')).toMatchObject({ name: 'wine_v2', runCount: 1 });
    expect(store.listExperiments().map((e) => e.name)).toEqual(['beer', 'wine_v2']);
    expect(store.getRun(runId).info.experimentName).toBe('wine_v2');
    expect(fs.readFileSync(store.artifactFile(runId, 'model/m.json'), 'utf8')).toBe('{"a":1}');
    expect(fs.existsSync(path.join(store.artifactRoot, 'wine'))).toBe(false);
    expect(() => store.renameExperiment('wine_v2', 'beer')).toThrow(
      /experiment 'beer' already exists in .*; pick another name/,
    );
    expect(() => store.renameExperiment('nope', 'x')).toThrow(/experiment 'nope' not found/);
    expect(() => store.renameExperiment('beer', 'a/b')).toThrow(/experiment name 'a\/b' is invalid/);
    store.close();
  });

  it('delete removes the experiment, its runs and their artifacts, and nothing else', () => {
    const { store, runId } = storeWithArtifact();
    const dir = path.dirname(store.artifactFile(runId, 'model/m.json'));
    expect(store.deleteExperiment('wine')).toEqual([runId]);
    expect(store.listExperiments().map((e) => e.name)).toEqual(['beer']);
    expect(() => store.getRun(runId)).toThrow(/not found/);
    expect(fs.existsSync(dir)).toBe(false);
    expect(store.searchRuns().total).toBe(1);
    expect(() => store.deleteExperiment('wine')).toThrow(/experiment 'wine' not found/);
    store.close();
  });

  it('a read-only store refuses both', () => {
    const { root, store } = storeWithArtifact();
    store.close();
    const ro = openStore({ root, readonly: true });
    expect(() => ro.renameExperiment('wine', 'x')).toThrow(/read-only/);
    expect(() => ro.deleteExperiment('wine')).toThrow(/read-only/);
    ro.close();
  });
});
