import type { ProjectConfiguration, TargetConfiguration, TargetDependencyConfig } from '@nx/devkit';
import type { CodeInputs } from './code-inputs';
import type { NormalizedPluginOptions } from './options';

export interface PipelineDeclaration {
  /** Project root relative to the workspace, e.g. apps/wine-logreg. */
  root: string;
  name: string;
  /** Workspace-relative path of the declaration file. */
  file: string;
  model: string;
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

/** Pure: the project and targets Cellar infers for one pipeline declaration. */
export function inferPipelineProject(p: PipelineDeclaration, ctx: InferContext): ProjectConfiguration {
  const { configDir, targetNames: t } = ctx.options;
  const pipeline = p.file;
  const options = configDir === 'configs' ? { pipeline } : { pipeline, configDir };
  const configInputs = [
    `{workspaceRoot}/${pipeline}`,
    `{workspaceRoot}/${configDir}/train/base.yaml`,
    `{workspaceRoot}/${configDir}/model/${p.model}.yaml`,
    // Data pointers are content addresses (md5): hashing them stands for hashing the git-ignored data.
    '{workspaceRoot}/data/**/*.dvc',
    ...(p.env ?? []).map((env) => ({ env })),
  ];
  const targets: Record<string, TargetConfiguration> = {
    [t.train]: {
      executor: '@cellar/nx:train',
      options,
      dependsOn: upstream(ctx),
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
  };
  return {
    root: p.root,
    name: p.name,
    projectType: 'application',
    tags: ['type:pipeline', `model:${p.model}`],
    implicitDependencies: [ctx.options.dataProject],
    metadata: { description: p.description ?? `Pipeline using the ${p.model} model` },
    targets,
  };
}

/** Pure: the project inferred for one sweep declaration. */
export function inferSweepProject(s: SweepDeclaration, ctx: InferContext): ProjectConfiguration {
  const { configDir, targetNames: t } = ctx.options;
  const options = configDir === 'configs' ? { sweep: s.sweep } : { sweep: s.sweep, configDir };
  return {
    root: s.root,
    name: s.name,
    projectType: 'application',
    tags: ['type:sweep'],
    implicitDependencies: [ctx.options.dataProject],
    metadata: { description: s.description ?? `Hyper-parameter sweep ${configDir}/sweep/${s.sweep}.yaml` },
    targets: {
      [t.sweep]: {
        executor: '@cellar/nx:sweep',
        options,
        dependsOn: upstream(ctx),
        // A sweep is an experiment: every invocation is logged as new runs.
        cache: false,
        metadata: {
          description: `Run every combination of ${configDir}/sweep/${s.sweep}.yaml in parallel worker processes and log each as a run`,
          technologies: TECH,
        },
      },
    },
  };
}
