import type { ProjectConfiguration, TargetConfiguration, TargetDependencyConfig } from '@nx/devkit';
import type { CodeInputs } from './code-inputs';
import type { NormalizedPluginOptions } from './options';

/** The data set a pipeline or sweep point trains on, as far as the plugin could read it. */
export interface DataDeclaration {
  /** configs/data/<name>.yaml's name. */
  name: string;
  /** Workspace-relative path of the data config. */
  file: string;
  /** Its `pointer:` (workspace-relative *.dvc); null when the file does not name one plainly. */
  pointer: string | null;
}

export interface PipelineDeclaration {
  /** Project root relative to the workspace, e.g. apps/wine-logreg. */
  root: string;
  name: string;
  /** Workspace-relative path of the declaration file. */
  file: string;
  model: string;
  /** Its data set; undefined when none can be selected (train then reports why). */
  data?: DataDeclaration;
  description?: string;
  /** Environment variables its config reads through ${env:NAME} (outside notify.*). */
  env?: string[];
}

export interface SweepDeclaration {
  root: string;
  name: string;
  file: string;
  sweep: string;
  description?: string;
  /** The expanded grid; empty when the sweep file is invalid (the sweep target then reports why). */
  points: SweepPointDeclaration[];
}

export interface SweepPointDeclaration {
  id: string;
  data?: DataDeclaration;
  model: string;
  overrides: string[];
  /** Environment variables its config reads through ${env:NAME} (outside notify.*). */
  env: string[];
}

/** What every inferred project shares: the plugin's options and where Cellar's code comes from. */
export interface InferContext {
  options: NormalizedPluginOptions;
  code: CodeInputs;
}

const TECH = ['cellar'];

function upstream(ctx: InferContext): TargetDependencyConfig[] {
  return [{ projects: [ctx.options.dataProject], target: 'pull' }];
}

/** A data set the plugin can read: its pointer is the one data file a task depends on. */
function known(d: DataDeclaration | undefined): d is DataDeclaration & { pointer: string } {
  return d !== undefined && d.pointer !== null;
}

/**
 * What a fit hashes of its data: the data config and its pointer (a content address: hashing it
 * stands for hashing the git-ignored data). Editing another data set's pointer or config changes
 * nothing here. When the data set cannot be read, every data config and pointer, as before.
 */
function dataInputs(d: DataDeclaration | undefined, configDir: string): string[] {
  if (known(d)) return [`{workspaceRoot}/${d.file}`, `{workspaceRoot}/${d.pointer}`];
  return [
    d ? `{workspaceRoot}/${d.file}` : `{workspaceRoot}/${configDir}/data/*.yaml`,
    '{workspaceRoot}/data/**/*.dvc',
  ];
}

const SAFE_ARG = /^[\w./@%+=:,-]+$/;
function shellArg(text: string): string {
  return SAFE_ARG.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** `node <bin> pull --pointer=<a> --pointer=<b>`: fetch exactly these data files, md5-checked. */
function pullTarget(pointers: string[], names: string[], ctx: InferContext): TargetConfiguration {
  const bin = ctx.code.commandBin;
  return {
    command: `node ${bin} pull ${pointers.map((p) => `--pointer=${shellArg(p)}`).join(' ')}`,
    // A plain command (no forked executor): it runs before every fit and is a cheap no-op when the
    // files already match their pointers.
    cache: false,
    // Not a cache key (never cached), but what makes the project affected when a pointer changes.
    inputs: pointers.map((p) => `{workspaceRoot}/${p}`),
    metadata: {
      description: `Fetch the data of ${names.join(', ')} (${pointers.join(', ')}) if missing or changed, md5-checked`,
      technologies: TECH,
      help: { command: `node ${bin} pull --help`, example: { options: { force: true } } },
    },
  };
}

/** Pure: the project and targets Cellar infers for one pipeline declaration. */
export function inferPipelineProject(p: PipelineDeclaration, ctx: InferContext): ProjectConfiguration {
  const { configDir, targetNames: t } = ctx.options;
  const pipeline = p.file;
  const options = configDir === 'configs' ? { pipeline } : { pipeline, configDir };
  const configInputs = [
    `{workspaceRoot}/${pipeline}`,
    `{workspaceRoot}/${configDir}/train/base.yaml`,
    ...dataInputs(p.data, configDir),
    `{workspaceRoot}/${configDir}/model/${p.model}.yaml`,
    ...(p.env ?? []).map((env) => ({ env })),
  ];
  const ownData = known(p.data);
  const targets: Record<string, TargetConfiguration> = {};
  if (known(p.data)) targets[t.pull] = pullTarget([p.data.pointer], [p.data.name], ctx);
  Object.assign(targets, {
    [t.train]: {
      executor: '@cellar/nx:train',
      options,
      dependsOn: ownData ? [t.pull] : upstream(ctx),
      cache: true,
      inputs: [...configInputs, ...ctx.code.inputs.train],
      outputs: ['{projectRoot}/model.json', '{projectRoot}/metrics.json'],
      metadata: {
        description: `Fit the ${p.model} model on the training split and write model.json and metrics.json`,
        technologies: TECH,
      },
    },
    [t.evaluate]: {
      executor: '@cellar/nx:evaluate',
      options,
      dependsOn: [t.train],
      cache: true,
      inputs: [
        ...configInputs,
        ...ctx.code.inputs.evaluate,
        // train's outputs are git-ignored, so Nx would not hash them: without this, evaluate could be
        // restored stale after a retrain (nx-facts, "Caching").
        { dependentTasksOutputFiles: '**/*.json', transitive: true },
      ],
      outputs: ['{projectRoot}/reports'],
      metadata: {
        description:
          'Score model.json on the held-out split: classification report, confusion matrix (JSON + SVG)',
        technologies: TECH,
      },
    },
    // A plain command, not an executor: Nx runs commands from its own process, where an executor
    // costs a forked Nx process per task, and notify runs on every invocation (nx-facts, "Cost").
    [t.notify]: {
      command: `node ${ctx.code.commandBin} notify --pipeline=${pipeline}${configDir === 'configs' ? '' : ` --config-dir=${configDir}`}`,
      dependsOn: [t.evaluate],
      cache: false,
      metadata: {
        description:
          'Always runs: print accuracy, per-class F1 and output paths; POST them to a webhook if configured',
        technologies: TECH,
        help: {
          command: `node ${ctx.code.commandBin} notify --help`,
          example: { options: { 'webhook-url': 'https://hooks.example.com/cellar' } },
        },
      },
    },
    [t.predict]: {
      executor: '@cellar/nx:predict',
      options: { ...options, output: `${p.root}/predictions/predictions.csv` },
      dependsOn: [t.train],
      // The input CSV is usually git-ignored, so Nx could not hash it: never cache predictions.
      cache: false,
      metadata: {
        description: 'Score a CSV file with model.json (--input=<file>) and write predictions.csv',
        technologies: TECH,
      },
    },
  });
  return {
    root: p.root,
    name: p.name,
    projectType: 'application',
    tags: ['type:pipeline', ...(p.data ? [`data:${p.data.name}`] : []), `model:${p.model}`],
    // No edge to the data project when the pipeline pulls its own data: an edit of another data set's
    // pointer (a file of the data project) must not make this pipeline affected.
    ...(ownData ? {} : { implicitDependencies: [ctx.options.dataProject] }),
    metadata: {
      description:
        p.description ?? `Pipeline using the ${p.model} model${p.data ? ` on ${p.data.name}` : ''}`,
    },
    targets,
  };
}

/** The target of a sweep point project. */
export const POINT_TARGET = 'point';

/** Name of a sweep point's project: `<sweep project>-point-<id>`. */
export function pointProjectName(sweepProject: string, id: string): string {
  return `${sweepProject}-point-${id}`;
}

/**
 * Pure: the projects inferred for one sweep declaration: the sweep, which prints the table, and one
 * project per grid point with one cached `point` target, rooted at `<sweep root>/points/<id>`.
 *
 * A point is a project of its own, not a target of the sweep project, because Nx 23 hashes a task's
 * whole project configuration (every target's name, executor, outputs and options;
 * native/tasks/hashers/hash_project_config.rs): as targets of one project, adding a value to the grid
 * would change every point's hash and refit the whole grid.
 */
export function inferSweepProjects(
  s: SweepDeclaration,
  ctx: InferContext,
): Record<string, ProjectConfiguration> {
  const { configDir, targetNames: t } = ctx.options;
  const options = configDir === 'configs' ? { sweep: s.sweep } : { sweep: s.sweep, configDir };
  const projects: Record<string, ProjectConfiguration> = {};
  const pointNames = s.points.map((p) => pointProjectName(s.name, p.id));
  // One pull target for the whole grid, of the data sets its points use (`nx run <sweep>:pull-data`);
  // the points pull what they read themselves. Points whose data set cannot be read depend on the
  // data project's pull of everything instead.
  const readable = s.points.map((p) => p.data).filter(known);
  const pointers = [...new Set(readable.map((d) => d.pointer))];
  const dataNames = [...new Set(readable.map((d) => d.name))];
  const allKnown = s.points.length > 0 && readable.length === s.points.length;
  const sweepTargets: Record<string, TargetConfiguration> = {};
  if (pointers.length > 0) sweepTargets[t.pull] = pullTarget(pointers, dataNames, ctx);
  projects[s.root] = {
    root: s.root,
    name: s.name,
    projectType: 'application',
    tags: ['type:sweep'],
    // No project edge to the points: Nx 23.3.1's task hasher fails ("project ... not found") on an edge
    // to a project that has no files yet (a point before its first fit). The sweep's pull-data inputs
    // make it affected by its data sets' pointers instead.
    ...(allKnown ? {} : { implicitDependencies: [ctx.options.dataProject] }),
    metadata: {
      description: s.description ?? `Hyper-parameter sweep ${configDir}/sweep/${s.sweep}.yaml`,
      // The point projects in grid order, e.g. for CI sharding (.github/workflows/sweep.yml).
      sweepPoints: pointNames,
    },
    targets: {
      ...sweepTargets,
      [t.sweep]: {
        executor: '@cellar/nx:sweep',
        options,
        dependsOn: pointNames.length > 0 ? [{ projects: pointNames, target: POINT_TARGET }] : upstream(ctx),
        // The table is its terminal output: an unchanged sweep replays it from the cache instead of
        // forking a process to print it (about 0.5 s). The points' metrics.json are git-ignored
        // outputs, so Nx hashes them as dependency outputs (nx-facts, "Caching"); Nx 23.3.1 hashes
        // such a task again after the points of its batch ran (task-orchestrator.js).
        cache: true,
        inputs: [
          `{workspaceRoot}/${s.file}`,
          `{workspaceRoot}/${configDir}/sweep/${s.sweep}.yaml`,
          { dependentTasksOutputFiles: '**/metrics.json' },
          ...ctx.code.inputs.sweepTable,
        ],
        outputs: [],
        metadata: {
          description: `Run (or restore from the cache) the ${s.points.length} points of ${configDir}/sweep/${s.sweep}.yaml, then print them sorted by the metric with the best per algorithm`,
          technologies: TECH,
        },
      },
    },
  };
  s.points.forEach((p, i) => {
    const root = `${s.root}/points/${p.id}`;
    const ownData = known(p.data);
    projects[root] = {
      root,
      name: pointNames[i],
      projectType: 'application',
      tags: [
        'type:sweep-point',
        `sweep:${s.name}`,
        ...(p.data ? [`data:${p.data.name}`] : []),
        `model:${p.model}`,
      ],
      ...(ownData ? {} : { implicitDependencies: [ctx.options.dataProject] }),
      metadata: { description: `Point ${p.id} of sweep ${s.sweep}` },
      targets: {
        [POINT_TARGET]: {
          executor: '@cellar/nx:sweep',
          options: {
            ...options,
            id: p.id,
            ...(p.data ? { data: p.data.name } : {}),
            model: p.model,
            overrides: p.overrides,
          },
          // A point pulls its data set itself when it runs (once per batch), rather than after a
          // pull task: that would be one more process on every sweep, cold or all cached.
          dependsOn: ownData ? [] : upstream(ctx),
          cache: true,
          // The model and overrides are options, hashed with the project's configuration; the sweep
          // file is not an input, or adding a value to the grid would refit every point.
          inputs: [
            `{workspaceRoot}/${s.file}`,
            `{workspaceRoot}/${configDir}/train/base.yaml`,
            ...dataInputs(p.data, configDir),
            `{workspaceRoot}/${configDir}/model/${p.model}.yaml`,
            ...p.env.map((env) => ({ env })),
            ...ctx.code.inputs.sweepPoint,
          ],
          outputs: ['{projectRoot}/model.json', '{projectRoot}/metrics.json'],
          metadata: {
            description: `Fit ${p.model} with ${p.overrides.join(' ') || 'its defaults'}, write model.json and metrics.json, log a run tagged sweep=${s.sweep}`,
            technologies: TECH,
          },
        },
      },
    };
  });
  return projects;
}
