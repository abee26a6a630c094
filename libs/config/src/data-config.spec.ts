import { afterAll, describe, expect, it } from 'vitest';
import { composeConfig } from './compose';
import { dataConfigFile, listDatasets, selectDataset } from './data-config';
import { errorOf, makeWorkspace, removeWorkspace } from './test-workspace';

const IRIS = `path: data/iris.csv
pointer: data/iris.csv.dvc
target: species
exclude: [id]
split:
  method: stratified
  test_size: 0.3
  random_state: 7
`;
const roots: string[] = [];
function workspace(files: Record<string, string>): string {
  const root = makeWorkspace(files);
  roots.push(root);
  return root;
}
afterAll(() => roots.forEach(removeWorkspace));

describe('the data config group', () => {
  const root = workspace({ 'configs/data/iris.yaml': IRIS });
  const compose = (o: { data?: string; pipelineOverrides?: string[]; overrides?: string[] }) =>
    composeConfig({ root, model: 'logreg', env: {}, ...o });

  it('composes the selected file under data:, with its name, defaults and the experiment from the name', () => {
    const out = compose({ data: 'iris' });
    expect(out.config.data).toEqual({
      name: 'iris',
      path: 'data/iris.csv',
      pointer: 'data/iris.csv.dvc',
      format: { delimiter: 'auto', missing: 'error' },
      target: 'species',
      features: null,
      exclude: ['id'],
      labels: null,
      split: { method: 'stratified', testSize: 0.3, randomState: 7, column: null },
    });
    expect(out.config.tracking.experiment).toBe('iris');
    expect(out.sources).toEqual([
      'configs/train/base.yaml',
      'configs/data/iris.yaml',
      'configs/model/logreg.yaml',
    ]);
    // wine names its experiment; the hash moves with the data set.
    expect(compose({ data: 'wine' }).config.tracking.experiment).toBe('wine_quality');
    expect(compose({ data: 'wine' }).hash).not.toBe(out.hash);
  });

  it('data=<name> in the pipeline or on the command line selects the group (last one wins)', () => {
    expect(compose({ data: 'wine', overrides: ['data=iris'] }).config.data.name).toBe('iris');
    expect(compose({ data: 'wine', pipelineOverrides: ['data=iris'] }).config.data.name).toBe('iris');
    expect(
      compose({ data: 'wine', pipelineOverrides: ['data=iris'], overrides: ['data=wine'] }).config.data.name,
    ).toBe('wine');
    // A key override after the selection still applies to the selected file.
    expect(compose({ overrides: ['data=iris', 'data.split.test_size=0.5'] }).config.data.split.testSize).toBe(
      0.5,
    );
    expect(compose({ data: 'iris', overrides: ['tracking.experiment=x'] }).config.tracking.experiment).toBe(
      'x',
    );
  });

  it('refuses an unknown or missing selection, listing the data sets', () => {
    expect(errorOf(() => compose({ overrides: ['data=foo'] }))).toMatchObject({
      code: 'DATA_NOT_FOUND',
      message:
        "override 'data=foo': unknown data set (available: iris, wine; add configs/data/foo.yaml or pick one of those)",
    });
    expect(errorOf(() => compose({})).message).toBe(
      "no data set selected (add 'data: <name>' to the pipeline.yaml or pass data=<name>; available: iris, wine)",
    );
    expect(errorOf(() => compose({ data: '../x' })).code).toBe('INVALID_NAME');
    // The message quotes the selection where it was written.
    expect(
      errorOf(() =>
        composeConfig({ root, model: 'logreg', data: 'foo', pipelineFile: 'apps/a/pipeline.yaml', env: {} }),
      ).message,
    ).toBe(
      'apps/a/pipeline.yaml: data: foo: unknown data set (available: iris, wine; add configs/data/foo.yaml or pick one of those)',
    );
    expect(errorOf(() => compose({ data: 'wine', pipelineOverrides: ['data=foo'] })).message).toMatch(
      /^pipeline override 'data=foo': unknown data set/,
    );
    expect(listDatasets(root)).toEqual(['iris', 'wine']);
    expect(selectDataset(workspace({}), undefined)).toBe('wine');
    expect(dataConfigFile('iris', 'conf')).toBe('conf/data/iris.yaml');
  });

  it.each([
    [
      IRIS.replace('method: stratified', 'method: group'),
      "configs/data/bad.yaml: split.column is required for method 'group' (the column whose values group rows)",
    ],
    [
      IRIS.replace('method: stratified', 'method: random'),
      "configs/data/bad.yaml: split.method must be one of stratified, sklearn, group, time (got 'random')",
    ],
    [
      `${IRIS}format:\n  delimiter: tab\n`,
      `configs/data/bad.yaml: format.delimiter must be one of auto, ",", ";", "\\t", "|" (got 'tab')`,
    ],
    [
      `${IRIS}labels: [a, b]\n`,
      'configs/data/bad.yaml: labels must be null or a map from class label to name (got ["a","b"])',
    ],
    [
      `${IRIS}colour: red\n`,
      'configs/data/bad.yaml: colour is not a valid key for data (valid: name, path, pointer, experiment, format, target, features, exclude, labels, split)',
    ],
    [
      IRIS.replace('target: species\n', ''),
      'configs/data/bad.yaml: target is required but missing (add it to the config or set it with +data.target=<value>)',
    ],
    [
      IRIS.replace('test_size: 0.3', 'test_size: 1.5'),
      'configs/data/bad.yaml: split.test_size must be a number in (0, 1) (got 1.5)',
    ],
  ])('names the data file and its key: %#', (text, message) => {
    const bad = workspace({ 'configs/data/bad.yaml': text });
    expect(errorOf(() => composeConfig({ root: bad, model: 'logreg', data: 'bad', env: {} })).message).toBe(
      message,
    );
  });

  it('accepts group and time splits with a column, and names for numeric labels', () => {
    const ok = workspace({
      'configs/data/g.yaml': `${IRIS.replace('method: stratified', 'method: time\n  column: year')}labels: {0: setosa, 1: versicolor}\n`,
    });
    const d = composeConfig({ root: ok, model: 'logreg', data: 'g', env: {} }).config.data;
    expect(d.split).toEqual({ method: 'time', testSize: 0.3, randomState: 7, column: 'year' });
    expect(d.labels).toEqual({ 0: 'setosa', 1: 'versicolor' });
  });
});
