import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { updateJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import pipelineGenerator from './generator';

const REPO = resolve(__dirname, '../../../../..');

function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  for (const file of [
    'configs/train/base.yaml',
    'configs/data/wine.yaml',
    'configs/model/logreg.yaml',
    'configs/model/random_forest.yaml',
  ])
    tree.write(file, readFileSync(join(REPO, file)));
  return tree;
}

describe('pipeline generator', () => {
  it('writes apps/<name>/pipeline.yaml, which is all a pipeline project needs', async () => {
    const tree = workspace();
    await pipelineGenerator(tree, { name: 'wine-strong-reg', model: 'logreg', overrides: ['model.C=0.1'] });
    expect(parse(tree.read('apps/wine-strong-reg/pipeline.yaml', 'utf8')!)).toEqual({
      description: 'The logreg model on wine',
      data: 'wine',
      model: 'logreg',
      overrides: ['model.C=0.1'],
    });
    expect(tree.children('apps/wine-strong-reg')).toEqual(['pipeline.yaml']);
  });

  it('names the data set: --data, or the only one; refuses an unknown one', async () => {
    const tree = workspace();
    tree.write('configs/data/iris.yaml', readFileSync(join(REPO, 'configs/data/wine.yaml')));
    await expect(pipelineGenerator(tree, { name: 'a', model: 'logreg' })).rejects.toThrow(
      '--data is required: pick the data set (configs/data/<name>.yaml) of the pipeline; available: iris, wine',
    );
    await expect(pipelineGenerator(tree, { name: 'a', model: 'logreg', data: 'nope' })).rejects.toThrow(
      'configs/data/nope.yaml does not exist; available data sets: iris, wine',
    );
    await pipelineGenerator(tree, { name: 'iris-logreg', model: 'logreg', data: 'iris' });
    expect(parse(tree.read('apps/iris-logreg/pipeline.yaml', 'utf8')!)).toMatchObject({ data: 'iris' });
  });

  it('refuses an unknown model, naming the ones there are', async () => {
    await expect(pipelineGenerator(workspace(), { name: 'wine-svm', model: 'svm' })).rejects.toThrow(
      'configs/model/svm.yaml does not exist; available models: logreg, random_forest',
    );
  });

  it('refuses a bad name and an existing project', async () => {
    const tree = workspace();
    await expect(pipelineGenerator(tree, { name: 'Wine_SVM', model: 'logreg' })).rejects.toThrow(
      "pipeline name 'Wine_SVM' must be kebab-case (e.g. churn-logreg)",
    );
    tree.write('apps/wine-logreg/pipeline.yaml', 'model: logreg\n');
    await expect(pipelineGenerator(tree, { name: 'wine-logreg', model: 'logreg' })).rejects.toThrow(
      'apps/wine-logreg already exists; choose another name',
    );
  });

  it('checks overrides against the composed config, so a typo fails here and not at train', async () => {
    const tree = workspace();
    await expect(
      pipelineGenerator(tree, { name: 'typo', model: 'logreg', overrides: ['model.Cx=1'] }),
    ).rejects.toThrow(
      "apps/typo/pipeline.yaml: override 'model.Cx=1': key model.Cx does not exist (use +model.Cx=1 to add it)",
    );
    await expect(
      pipelineGenerator(tree, { name: 'neg', model: 'logreg', overrides: ['model.C=-1'] }),
    ).rejects.toThrow("apps/neg/pipeline.yaml: override 'model.C=-1': model.C must be > 0 (got -1)");
    expect(tree.exists('apps/typo')).toBe(false);
  });

  it('puts the pipeline where the plugin options look and reads their config folder', async () => {
    const tree = workspace();
    tree.rename('configs', 'ml');
    updateJson(tree, 'nx.json', (j) => ({
      ...j,
      plugins: [
        { plugin: '@cellar/nx', options: { pipelines: 'pipelines/*/pipeline.yaml', configDir: 'ml' } },
      ],
    }));
    await pipelineGenerator(tree, { name: 'churn', model: 'logreg', overrides: ['model.C=0.5'] });
    expect(tree.exists('pipelines/churn/pipeline.yaml')).toBe(true);
  });
});
