import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreateNodesContext } from '@nx/devkit';
import { createNodes } from './create-nodes';
import { inferPipelineProject } from './infer-targets';

const ws = mkdtempSync(join(tmpdir(), 'cellar-nodes-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

function write(file: string, text: string) {
  mkdirSync(join(ws, file, '..'), { recursive: true });
  writeFileSync(join(ws, file), text);
}

const context: CreateNodesContext = { workspaceRoot: ws, nxJsonConfiguration: {} };
const run = (files: string[]) => createNodes[1](files, {}, context);

describe('createNodes', () => {
  it('matches pipeline and sweep declarations under apps/', () => {
    expect(createNodes[0]).toBe('apps/*/{pipeline,sweep}.yaml');
  });

  it('infers train -> evaluate -> notify (+ predict) with exact, file-precise inputs', async () => {
    write('apps/wine-logreg/pipeline.yaml', 'model: logreg\n');
    const results = await run(['apps/wine-logreg/pipeline.yaml']);
    expect(results).toHaveLength(1);
    const [file, result] = results[0];
    expect(file).toBe('apps/wine-logreg/pipeline.yaml');
    const project = result.projects?.['apps/wine-logreg'];
    expect(project).toEqual(
      inferPipelineProject({ root: 'apps/wine-logreg', name: 'wine-logreg', model: 'logreg' }),
    );
    const t = project!.targets!;
    expect(Object.keys(t)).toEqual(['train', 'evaluate', 'notify', 'predict']);
    expect(t.train.inputs!.slice(0, 4)).toEqual([
      '{projectRoot}/pipeline.yaml',
      '{workspaceRoot}/configs/train/base.yaml',
      '{workspaceRoot}/configs/model/logreg.yaml',
      '{workspaceRoot}/data/**/*.dvc',
    ]);
    // Another model's config must not be an input, so `nx affected` stays per pipeline.
    expect(JSON.stringify(t.train.inputs)).not.toContain('random_forest');
    expect(t.train.outputs).toEqual(['{projectRoot}/model.json', '{projectRoot}/metrics.json']);
    expect(t.train.dependsOn).toEqual([{ projects: ['data'], target: 'pull' }]);
    expect(t.evaluate.dependsOn).toEqual(['train']);
    expect(t.evaluate.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*.json', transitive: true });
    expect(t.evaluate.outputs).toEqual(['{projectRoot}/reports']);
    expect(t.notify).toMatchObject({ cache: false, dependsOn: ['evaluate'] });
    expect(t.predict.cache).toBe(false);
    for (const target of Object.values(t)) expect(target.metadata?.description).toMatch(/\w/);
    // Tracking code never invalidates a model: it only records what happened.
    expect(JSON.stringify(t.train.inputs)).not.toContain('libs/tracking');
  });

  it('infers a sweep project from sweep.yaml', async () => {
    write('apps/grid/sweep.yaml', 'sweep: wine-grid\ndescription: the grid\n');
    const [[, result]] = await run(['apps/grid/sweep.yaml']);
    expect(result.projects?.['apps/grid']).toMatchObject({
      name: 'grid',
      metadata: { description: 'the grid' },
      targets: { sweep: { executor: '@cellar/nx:sweep', options: { sweep: 'wine-grid' }, cache: false } },
    });
  });

  it('names the file when a declaration is broken', async () => {
    write('apps/bad/pipeline.yaml', 'description: no model\n');
    write('apps/worse/pipeline.yaml', 'model: [unclosed\n');
    // Nx collects per-file errors and reports each under its file.
    const err = await Promise.resolve(run(['apps/bad/pipeline.yaml', 'apps/worse/pipeline.yaml'])).then(
      () => null,
      (e: { errors: Array<[string, Error]> }) => e,
    );
    expect(err?.errors.map(([file, e]) => [file, e.message.split(' (')[0]])).toEqual([
      ['apps/bad/pipeline.yaml', "apps/bad/pipeline.yaml: 'model' must be a non-empty string"],
      ['apps/worse/pipeline.yaml', 'apps/worse/pipeline.yaml: not valid YAML'],
    ]);
  });
});
