import { afterAll, describe, expect, it } from 'vitest';
import { loadPipelineSpec } from './pipeline-spec';
import { errorOf, makeWorkspace, removeWorkspace } from './test-workspace';

const root = makeWorkspace({
  'apps/wine-logreg/pipeline.yaml':
    '# the baseline\nmodel: logreg\noverrides:\n  - model.max_iter=2000\n  - data.split.test_size=0.25\ndescription: Logistic regression baseline\n',
  'apps/wine-rf/pipeline.yaml': 'model: random_forest\n',
  'apps/extra/pipeline.yaml': 'model: logreg\ntracking_experiment: x\n',
  'apps/nomodel/pipeline.yaml': 'description: x\n',
  'apps/empty/pipeline.yaml': '',
  'apps/num/pipeline.yaml': 'model: 3\n',
  'apps/badname/pipeline.yaml': 'model: ../logreg\n',
  'apps/ovmap/pipeline.yaml': 'model: logreg\noverrides: {model.C: 1}\n',
  'apps/ovnum/pipeline.yaml': 'model: logreg\noverrides:\n  - model.C=1\n  - 5\n',
  'apps/ovbad/pipeline.yaml': 'model: logreg\noverrides:\n  - model.C\n',
  'apps/desc/pipeline.yaml': 'model: logreg\ndescription: [a]\n',
  'apps/yaml/pipeline.yaml': 'model: logreg\noverrides: [a\n',
});
afterAll(() => removeWorkspace(root));

describe('loadPipelineSpec', () => {
  it('reads model, overrides and description', () => {
    expect(loadPipelineSpec(root, 'apps/wine-logreg/pipeline.yaml')).toEqual({
      name: 'wine-logreg',
      model: 'logreg',
      overrides: ['model.max_iter=2000', 'data.split.test_size=0.25'],
      description: 'Logistic regression baseline',
      file: 'apps/wine-logreg/pipeline.yaml',
    });
    expect(loadPipelineSpec(root, `${root}/apps/wine-rf/pipeline.yaml`)).toEqual({
      name: 'wine-rf',
      model: 'random_forest',
      overrides: [],
      file: 'apps/wine-rf/pipeline.yaml',
    });
  });

  it.each([
    [
      'extra',
      "apps/extra/pipeline.yaml: unknown key 'tracking_experiment' (allowed: data, model, overrides, description)",
    ],
    [
      'nomodel',
      'apps/nomodel/pipeline.yaml: model is required (the name of a file in configs/model/, e.g. model: logreg)',
    ],
    [
      'empty',
      'apps/empty/pipeline.yaml: model is required (the name of a file in configs/model/, e.g. model: logreg)',
    ],
    ['num', 'apps/num/pipeline.yaml: model must be a string (got a number)'],
    [
      'badname',
      "apps/badname/pipeline.yaml: model name '../logreg' is invalid (use letters, digits, '_' or '-', the file name of configs/model/<model>.yaml without .yaml)",
    ],
    [
      'ovmap',
      'apps/ovmap/pipeline.yaml: overrides must be a list of override strings like model.C=0.5 (got a map)',
    ],
    [
      'ovnum',
      'apps/ovnum/pipeline.yaml: overrides item 2 must be a string like model.C=0.5 (got a number; quote it)',
    ],
    ['ovbad', "apps/ovbad/pipeline.yaml: override 'model.C': missing '=' (expected key.path=value)"],
    ['desc', 'apps/desc/pipeline.yaml: description must be a string (got a list)'],
    [
      'yaml',
      'apps/yaml/pipeline.yaml: YAML syntax error at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ] (fix the YAML and retry)',
    ],
    ['missing', 'apps/missing/pipeline.yaml: file does not exist (create it or fix the path)'],
  ])('rejects apps/%s/pipeline.yaml', (name, message) => {
    expect(errorOf(() => loadPipelineSpec(root, `apps/${name}/pipeline.yaml`)).message).toBe(message);
  });
});
