import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import pipelineGenerator from './generator';

function workspace() {
  const tree = createTreeWithEmptyWorkspace();
  tree.write('configs/model/logreg.yaml', 'model:\n  type: logreg\n');
  tree.write('configs/model/random_forest.yaml', 'model:\n  type: random_forest\n');
  return tree;
}

describe('pipeline generator', () => {
  it('writes apps/<name>/pipeline.yaml, which is all a pipeline project needs', async () => {
    const tree = workspace();
    await pipelineGenerator(tree, { name: 'wine-strong-reg', model: 'logreg', overrides: ['model.C=0.1'] });
    expect(parse(tree.read('apps/wine-strong-reg/pipeline.yaml', 'utf8')!)).toEqual({
      description: 'Wine quality with the logreg model',
      model: 'logreg',
      overrides: ['model.C=0.1'],
    });
    expect(tree.children('apps/wine-strong-reg')).toEqual(['pipeline.yaml']);
  });

  it('refuses an unknown model, naming the ones there are', async () => {
    await expect(pipelineGenerator(workspace(), { name: 'wine-svm', model: 'svm' })).rejects.toThrow(
      'configs/model/svm.yaml does not exist; available models: logreg, random_forest',
    );
  });

  it('refuses a bad name and an existing project', async () => {
    const tree = workspace();
    await expect(pipelineGenerator(tree, { name: 'Wine_SVM', model: 'logreg' })).rejects.toThrow(
      "pipeline name 'Wine_SVM' must be kebab-case (e.g. wine-svm)",
    );
    tree.write('apps/wine-logreg/pipeline.yaml', 'model: logreg\n');
    await expect(pipelineGenerator(tree, { name: 'wine-logreg', model: 'logreg' })).rejects.toThrow(
      'apps/wine-logreg already exists; choose another name',
    );
  });
});
