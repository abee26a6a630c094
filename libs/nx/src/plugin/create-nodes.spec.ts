import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CreateNodesContext } from '@nx/devkit';
import { codeInputs, locatePackage, type PackageLocation } from './code-inputs';
import { createNodes } from './create-nodes';
import { inferPipelineProject, type InferContext } from './infer-targets';
import { DEFAULT_OPTIONS, normalizeOptions, type CellarPluginOptions } from './options';

const ws = mkdtempSync(join(tmpdir(), 'cellar-nodes-'));
afterAll(() => rmSync(ws, { recursive: true, force: true }));

function write(file: string, text: string) {
  mkdirSync(join(ws, file, '..'), { recursive: true });
  writeFileSync(join(ws, file), text);
}

const context: CreateNodesContext = { workspaceRoot: ws, nxJsonConfiguration: {} };
const run = (files: string[], options: CellarPluginOptions = {}) => createNodes[1](files, options, context);
const THIRD_PARTY = { externalDependencies: ['csv-parse', 'yaml', 'zod'] };
const THIRD_PARTY_LAST = { externalDependencies: expect.arrayContaining(['csv-parse', 'yaml', 'zod']) };

// What the plugin sees from the temporary workspace (Cellar's packages resolve outside it).
const bare: InferContext = { options: DEFAULT_OPTIONS, code: codeInputs((n) => locatePackage(n, ws)) };

describe('createNodes', () => {
  it('matches every pipeline and sweep declaration; the options pick which count', () => {
    expect(createNodes[0]).toBe('**/{pipeline,sweep}.yaml');
  });

  it('infers pull-data -> train -> evaluate -> notify (+ predict) with exact, file-precise inputs', async () => {
    write(
      'configs/data/wine.yaml',
      'path: data/external/WineQT.csv\npointer: data/external/WineQT.csv.dvc\n',
    );
    write('apps/wine-logreg/pipeline.yaml', 'data: wine\nmodel: logreg\n');
    const results = await run(['apps/wine-logreg/pipeline.yaml']);
    expect(results).toHaveLength(1);
    const [file, result] = results[0];
    expect(file).toBe('apps/wine-logreg/pipeline.yaml');
    const project = result.projects?.['apps/wine-logreg'];
    const wine = { name: 'wine', file: 'configs/data/wine.yaml', pointer: 'data/external/WineQT.csv.dvc' };
    expect(project).toEqual(
      inferPipelineProject(
        { root: 'apps/wine-logreg', name: 'wine-logreg', file, model: 'logreg', data: wine, env: [] },
        bare,
      ),
    );
    expect(project!.tags).toEqual(['type:pipeline', 'data:wine', 'model:logreg']);
    // No project edge to `data`: another data set's pointer (a file of that project) does not affect it.
    expect(project!.implicitDependencies).toBeUndefined();
    const t = project!.targets!;
    expect(Object.keys(t)).toEqual(['pull-data', 'train', 'evaluate', 'notify', 'predict']);
    expect(t['pull-data']).toMatchObject({
      command: `node ${bare.code.commandBin} pull --pointer=data/external/WineQT.csv.dvc`,
      cache: false,
    });
    expect(t.train.inputs).toEqual([
      '{workspaceRoot}/apps/wine-logreg/pipeline.yaml',
      '{workspaceRoot}/configs/train/base.yaml',
      '{workspaceRoot}/configs/data/wine.yaml',
      '{workspaceRoot}/data/external/WineQT.csv.dvc',
      '{workspaceRoot}/configs/model/logreg.yaml',
      ...bare.code.inputs.train,
    ]);
    expect(t.train.inputs!.at(-1)).toMatchObject(THIRD_PARTY_LAST);
    expect(t.train.outputs).toEqual(['{projectRoot}/model.json', '{projectRoot}/metrics.json']);
    expect(t.train.dependsOn).toEqual(['pull-data']);
    expect(t.train.options).toEqual({ pipeline: 'apps/wine-logreg/pipeline.yaml' });
    expect(t.evaluate.dependsOn).toEqual(['train']);
    expect(t.evaluate.inputs).toContainEqual({ dependentTasksOutputFiles: '**/*.json', transitive: true });
    expect(t.evaluate.outputs).toEqual(['{projectRoot}/reports']);
    expect(t.notify).toMatchObject({
      command: `node ${bare.code.commandBin} notify --pipeline=apps/wine-logreg/pipeline.yaml`,
      cache: false,
      dependsOn: ['evaluate'],
    });
    expect(t.predict.cache).toBe(false);
    for (const target of Object.values(t)) expect(target.metadata?.description).toMatch(/\w/);
    expect(project!.metadata?.description).toBe('Pipeline using the logreg model on wine');
    rmSync(join(ws, 'configs'), { recursive: true });
  });

  it('each pipeline hashes and pulls only its own data set', async () => {
    write('configs/data/wine.yaml', 'pointer: data/external/WineQT.csv.dvc\n');
    write(
      'configs/data/iris.yaml',
      'pointer: data/iris data.csv.dvc\nsplit:\n  random_state: ${env:IRIS_SEED}\n',
    );
    write('apps/wine-rf/pipeline.yaml', 'data: wine\nmodel: random_forest\n');
    write('apps/iris-rf/pipeline.yaml', 'data: wine\nmodel: random_forest\noverrides: [data=iris]\n');
    const results = await run(['apps/wine-rf/pipeline.yaml', 'apps/iris-rf/pipeline.yaml']);
    const targets = (root: string) =>
      results.find(([f]) => f === `${root}/pipeline.yaml`)![1].projects![root].targets!;
    const data = (root: string) =>
      targets(root).train.inputs!.filter((i) => typeof i !== 'string' || /configs\/data|\.dvc/.test(i));
    expect(data('apps/wine-rf')).toEqual([
      '{workspaceRoot}/configs/data/wine.yaml',
      '{workspaceRoot}/data/external/WineQT.csv.dvc',
      ...bare.code.inputs.train.filter((i) => typeof i !== 'string'),
    ]);
    // `data=iris` in the overrides selects iris; its file's ${env:...} is an input; the pointer is quoted.
    expect(data('apps/iris-rf')).toEqual([
      '{workspaceRoot}/configs/data/iris.yaml',
      '{workspaceRoot}/data/iris data.csv.dvc',
      { env: 'IRIS_SEED' },
      ...bare.code.inputs.train.filter((i) => typeof i !== 'string'),
    ]);
    expect(targets('apps/iris-rf')['pull-data'].command).toBe(
      `node ${bare.code.commandBin} pull --pointer='data/iris data.csv.dvc'`,
    );
    expect(targets('apps/iris-rf').evaluate.inputs).toContain('{workspaceRoot}/data/iris data.csv.dvc');
    expect(targets('apps/iris-rf').evaluate.inputs).not.toContain(
      '{workspaceRoot}/data/external/WineQT.csv.dvc',
    );
    rmSync(join(ws, 'configs'), { recursive: true });
  });

  it('falls back to every data set, pulled by the data project, when the data set cannot be read', async () => {
    write('configs/data/a.yaml', 'pointer: a.csv.dvc\n');
    write('configs/data/b.yaml', 'pointer: ${oops}\n');
    write('apps/none/pipeline.yaml', 'model: logreg\n'); // two data sets: none selected
    write('apps/typo/pipeline.yaml', 'data: c\nmodel: logreg\n'); // no such data set
    write('apps/interp/pipeline.yaml', 'data: b\nmodel: logreg\n'); // pointer not a plain path
    const results = await run([
      'apps/none/pipeline.yaml',
      'apps/typo/pipeline.yaml',
      'apps/interp/pipeline.yaml',
    ]);
    const project = (i: number) => Object.values(results[i][1].projects!)[0];
    for (const i of [0, 1]) {
      expect(project(i).implicitDependencies).toEqual(['data']);
      expect(project(i).targets!.train.dependsOn).toEqual([{ projects: ['data'], target: 'pull' }]);
      expect(project(i).targets!.train.inputs!.slice(2, 4)).toEqual([
        '{workspaceRoot}/configs/data/*.yaml',
        '{workspaceRoot}/data/**/*.dvc',
      ]);
      expect(project(i).targets!['pull-data']).toBeUndefined();
    }
    expect(project(2).targets!.train.inputs!.slice(2, 4)).toEqual([
      '{workspaceRoot}/configs/data/b.yaml',
      '{workspaceRoot}/data/**/*.dvc',
    ]);
    rmSync(join(ws, 'configs'), { recursive: true });
  });

  it('hashes the environment variables the config reads outside notify.*', async () => {
    write(
      'configs/train/base.yaml',
      'train:\n  random_state: ${env:SEED,42}\nnotify:\n  webhook_url: ${env:HOOK,null}\n',
    );
    write('configs/model/rf.yaml', 'model:\n  n_estimators: ${env:TREES}\n');
    write('configs/data/d.yaml', 'pointer: d.csv.dvc\ntarget: ${env:TARGET}\n');
    write(
      'apps/env-rf/pipeline.yaml',
      'data: d\nmodel: rf\noverrides: ["model.max_depth=${env:DEPTH}", "notify.webhook_url=${env:OTHER}"]\n',
    );
    const [[, result]] = await run(['apps/env-rf/pipeline.yaml']);
    const train = result.projects!['apps/env-rf'].targets!.train;
    expect(train.inputs!.filter((i) => typeof i === 'object' && 'env' in i)).toEqual([
      { env: 'DEPTH' },
      { env: 'SEED' },
      { env: 'TARGET' },
      { env: 'TREES' },
    ]);
    rmSync(join(ws, 'configs'), { recursive: true });
  });

  it('infers a sweep project plus one project per grid point, with stable ids and train-like inputs', async () => {
    write('configs/train/base.yaml', 'train:\n  random_state: ${env:SEED,42}\n');
    write('configs/model/logreg.yaml', 'model:\n  type: logreg\n');
    write('configs/model/gb.yaml', 'model:\n  type: gradient_boosting\n');
    write('configs/data/wine.yaml', 'pointer: data/wine.csv.dvc\n');
    write(
      'configs/sweep/grid.yaml',
      'metric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: 0.1,1\n  - model: gb\n',
    );
    write('apps/grid/sweep.yaml', 'sweep: grid\ndescription: the grid\n');
    const [[, result]] = await run(['apps/grid/sweep.yaml']);
    const point = (id: string, model: string, overrides: string[], description: string) => ({
      root: `apps/grid/points/${id}`,
      name: `grid-point-${id}`,
      projectType: 'application',
      tags: ['type:sweep-point', 'sweep:grid', 'data:wine', `model:${model}`],
      metadata: { description: `Point ${id} of sweep grid` },
      targets: {
        point: {
          executor: '@cellar/nx:sweep',
          options: { sweep: 'grid', id, data: 'wine', model, overrides },
          dependsOn: [],
          cache: true,
          inputs: [
            '{workspaceRoot}/apps/grid/sweep.yaml',
            '{workspaceRoot}/configs/train/base.yaml',
            '{workspaceRoot}/configs/data/wine.yaml',
            '{workspaceRoot}/data/wine.csv.dvc',
            `{workspaceRoot}/configs/model/${model}.yaml`,
            { env: 'SEED' },
            ...bare.code.inputs.train,
          ],
          outputs: ['{projectRoot}/model.json', '{projectRoot}/metrics.json'],
          metadata: { description, technologies: ['cellar'] },
        },
      },
    });
    // Ids are a hash of data + model + overrides: pinned (computed in Python: sha256 of the JSON
    // [data, model, overrides]), so they never move between versions or machines.
    expect(result.projects).toEqual({
      'apps/grid': {
        root: 'apps/grid',
        name: 'grid',
        projectType: 'application',
        tags: ['type:sweep'],
        metadata: {
          description: 'the grid',
          sweepPoints: ['grid-point-979829788e', 'grid-point-38bfc9024e', 'grid-point-0041392f70'],
        },
        targets: {
          'pull-data': {
            command: `node ${bare.code.commandBin} pull --pointer=data/wine.csv.dvc`,
            cache: false,
            inputs: ['{workspaceRoot}/data/wine.csv.dvc'],
            metadata: {
              description: 'Fetch the data of wine (data/wine.csv.dvc) if missing or changed, md5-checked',
              technologies: ['cellar'],
              help: {
                command: `node ${bare.code.commandBin} pull --help`,
                example: { options: { force: true } },
              },
            },
          },
          sweep: {
            executor: '@cellar/nx:sweep',
            options: { sweep: 'grid' },
            dependsOn: [
              {
                projects: ['grid-point-979829788e', 'grid-point-38bfc9024e', 'grid-point-0041392f70'],
                target: 'point',
              },
            ],
            cache: true,
            inputs: [
              '{workspaceRoot}/apps/grid/sweep.yaml',
              '{workspaceRoot}/configs/sweep/grid.yaml',
              { dependentTasksOutputFiles: '**/metrics.json' },
              ...bare.code.inputs.sweepTable,
            ],
            outputs: [],
            metadata: {
              description:
                'Run (or restore from the cache) the 3 points of configs/sweep/grid.yaml, then print them sorted by the metric with the best per algorithm',
              technologies: ['cellar'],
            },
          },
        },
      },
      'apps/grid/points/979829788e': point(
        '979829788e',
        'logreg',
        ['model.C=0.1'],
        'Fit logreg with model.C=0.1, write model.json and metrics.json, log a run tagged sweep=grid',
      ),
      'apps/grid/points/38bfc9024e': point(
        '38bfc9024e',
        'logreg',
        ['model.C=1'],
        'Fit logreg with model.C=1, write model.json and metrics.json, log a run tagged sweep=grid',
      ),
      'apps/grid/points/0041392f70': point(
        '0041392f70',
        'gb',
        [],
        'Fit gb with its defaults, write model.json and metrics.json, log a run tagged sweep=grid',
      ),
    });

    // Adding a value adds one project; every other point's project is unchanged (so is its Nx hash).
    write(
      'configs/sweep/grid.yaml',
      'metric: accuracy\ngrid:\n  - model: logreg\n    params:\n      model.C: 0.1,1,10\n  - model: gb\n',
    );
    const [[, grown]] = await run(['apps/grid/sweep.yaml']);
    const added = Object.keys(grown.projects!).filter((root) => !(root in result.projects!));
    expect(added).toHaveLength(1);
    expect(grown.projects![added[0]].targets!.point.options).toMatchObject({ overrides: ['model.C=10'] });
    for (const [root, project] of Object.entries(result.projects!))
      if (root !== 'apps/grid') expect(grown.projects![root]).toEqual(project);

    // A broken sweep file leaves the sweep project without points: its sweep target reports the error.
    write('configs/sweep/grid.yaml', 'metric: accuracy\ngrid: []\n');
    const [[, broken]] = await run(['apps/grid/sweep.yaml']);
    expect(Object.keys(broken.projects!)).toEqual(['apps/grid']);
    expect(broken.projects!['apps/grid'].targets!.sweep.dependsOn).toEqual([
      { projects: ['data'], target: 'pull' },
    ]);
    rmSync(join(ws, 'configs'), { recursive: true });
  });

  it('takes globs, the config folder, the data project and target names from nx.json options', async () => {
    write('ml/churn/pipeline.yaml', 'model: logreg\n');
    write('apps/ignored/pipeline.yaml', 'model: logreg\n');
    const options = {
      pipelines: 'ml/*/pipeline.yaml',
      configDir: 'ml-configs',
      dataProject: 'datasets',
      targetNames: { train: 'fit', notify: 'report' },
    };
    const results = await run(['ml/churn/pipeline.yaml', 'apps/ignored/pipeline.yaml'], options);
    expect(results.map(([f]) => f)).toEqual(['ml/churn/pipeline.yaml']);
    const t = results[0][1].projects!['ml/churn'].targets!;
    expect(Object.keys(t)).toEqual(['fit', 'evaluate', 'report', 'predict']);
    expect(t.fit.options).toEqual({ pipeline: 'ml/churn/pipeline.yaml', configDir: 'ml-configs' });
    expect(t.fit.inputs).toContain('{workspaceRoot}/ml-configs/model/logreg.yaml');
    // No data set in ml-configs: the fit falls back to the data project's pull of everything.
    expect(t.fit.dependsOn).toEqual([{ projects: ['datasets'], target: 'pull' }]);
    expect(t.evaluate.dependsOn).toEqual(['fit']);
    expect(t.report.dependsOn).toEqual(['evaluate']);
    expect(t.report.command).toMatch(/ notify --pipeline=ml\/churn\/pipeline.yaml --config-dir=ml-configs$/);
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

describe('plugin options', () => {
  it('rejects unknown keys and bad target names, naming them', () => {
    expect(() => normalizeOptions({ pipeline: 'x' } as CellarPluginOptions)).toThrow(
      "nx.json: unknown @cellar/nx plugin option 'pipeline' (known: pipelines, sweeps, configDir, dataProject, targetNames)",
    );
    expect(() => normalizeOptions({ targetNames: { fit: 'x' } as never })).toThrow(
      'nx.json: @cellar/nx targetNames.fit is not a Cellar target (known: train, evaluate, notify, predict, sweep, pull)',
    );
    expect(() => normalizeOptions({ targetNames: { train: 'a b' } })).toThrow(
      "nx.json: @cellar/nx targetNames.train must be a target name like 'fit'",
    );
    expect(normalizeOptions({ configDir: 'cfg/' }).configDir).toBe('cfg');
  });
});

describe('code inputs', () => {
  const source: Record<string, PackageLocation> = {
    '@cellar/nx': { rel: 'libs/nx', inWorkspace: true },
    '@cellar/pipeline': { rel: 'libs/pipeline', inWorkspace: true },
    '@cellar/config': { rel: 'libs/config', inWorkspace: true },
    '@cellar/data': { rel: 'libs/data', inWorkspace: true },
    '@cellar/modeling': { rel: 'libs/modeling', inWorkspace: true },
  };

  it("in Cellar's own repository: source globs of exactly the code a step runs", () => {
    const code = codeInputs((name) => source[name] ?? null);
    expect(code.inputs.train).toEqual([
      '{workspaceRoot}/libs/nx/src/executors/train/**/*.ts',
      '{workspaceRoot}/libs/nx/src/executors/shared/**/*.ts',
      '{workspaceRoot}/libs/pipeline/src/train/**/*.ts',
      '{workspaceRoot}/libs/pipeline/src/shared/**/*.ts',
      '{workspaceRoot}/libs/pipeline/src/index.ts',
      '{workspaceRoot}/libs/config/src/**/*.ts',
      '{workspaceRoot}/libs/data/src/**/*.ts',
      '{workspaceRoot}/libs/modeling/src/**/*.ts',
      '!{workspaceRoot}/libs/nx/src/**/*.spec.ts',
      '!{workspaceRoot}/libs/nx/src/testing/**',
      '!{workspaceRoot}/libs/pipeline/src/**/*.spec.ts',
      '!{workspaceRoot}/libs/pipeline/src/testing/**',
      '!{workspaceRoot}/libs/config/src/**/*.spec.ts',
      '!{workspaceRoot}/libs/config/src/testing/**',
      '!{workspaceRoot}/libs/data/src/**/*.spec.ts',
      '!{workspaceRoot}/libs/data/src/testing/**',
      '!{workspaceRoot}/libs/modeling/src/**/*.spec.ts',
      '!{workspaceRoot}/libs/modeling/src/testing/**',
      THIRD_PARTY,
    ]);
    // Notifier, predict, sweep and tracking code never invalidate a model.
    expect(JSON.stringify([code.inputs.train, code.inputs.evaluate])).not.toMatch(
      /notify|predict|sweep|tracking/,
    );
    // A sweep point also hashes its own executor and stage file.
    expect(code.inputs.sweepPoint).toContain('{workspaceRoot}/libs/nx/src/executors/sweep-point/**/*.ts');
    expect(code.inputs.sweepPoint).toContain('{workspaceRoot}/libs/pipeline/src/sweep/sweep-point.ts');
  });

  it('installed from npm: the packages are external dependencies (their versions stand for the code)', () => {
    const installed = (name: string) => ({ rel: `node_modules/${name}`, inWorkspace: false });
    const code = codeInputs(installed);
    expect(code.commandBin).toBe('node_modules/@cellar/nx/bin/cellar-nx.js');
    expect(code.inputs.evaluate).toEqual([
      {
        externalDependencies: [
          '@cellar/nx',
          '@cellar/pipeline',
          '@cellar/config',
          '@cellar/data',
          '@cellar/modeling',
          'csv-parse',
          'yaml',
          'zod',
        ],
      },
    ]);
  });

  it("locates this repository's packages as sources", () => {
    const repo = resolve(__dirname, '../../../..');
    expect(locatePackage('@cellar/config', repo)).toEqual({ rel: 'libs/config', inWorkspace: true });
    expect(locatePackage('yaml', repo)).toEqual({ rel: 'node_modules/yaml', inWorkspace: false });
    expect(locatePackage('@cellar/no-such-package', repo)).toBeNull();
  });
});

describe('the plugin entry (loaded by every nx command)', () => {
  it('loads no ML code and not the config schema: yaml and the sweep grid only', () => {
    const repo = resolve(__dirname, '../../../..');
    const loaded = execFileSync(
      process.execPath,
      [
        '-r',
        join(repo, 'tools/dev/register.js'),
        '-e',
        'require(process.argv[1]); console.log(JSON.stringify(Object.keys(require.cache)))',
        join(repo, 'libs/nx/src/index.ts'),
      ],
      { encoding: 'utf8' },
    );
    const files: string[] = JSON.parse(loaded);
    const packages = new Set(files.flatMap((f) => /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f)?.[1] ?? []));
    expect(packages.has('yaml')).toBe(true);
    for (const heavy of ['zod', 'better-sqlite3', 'csv-parse', '@cellar/modeling'])
      expect(packages.has(heavy)).toBe(false);
    const libs = new Set(files.flatMap((f) => /\/libs\/([^/]+)\/src\//.exec(f)?.[1] ?? []));
    expect([...libs].sort()).toEqual(['config', 'nx']);
    expect(files.some((f) => f.endsWith('libs/config/src/schema.ts'))).toBe(false);
  });
});
