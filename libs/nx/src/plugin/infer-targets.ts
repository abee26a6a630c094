import type { ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import {
  DATA_POINTER_INPUTS,
  DATA_PROJECT,
  EXTERNAL_DEPENDENCIES,
  configInputs,
  stepSourceInputs,
} from '../constants';

export interface PipelineDeclaration {
  /** Project root relative to the workspace, e.g. apps/wine-logreg. */
  root: string;
  name: string;
  model: string;
  description?: string;
}

export interface SweepDeclaration {
  root: string;
  name: string;
  sweep: string;
  description?: string;
}

/** Pure: the project and targets Cellar infers for one apps/<name>/pipeline.yaml. */
export function inferPipelineProject(p: PipelineDeclaration): ProjectConfiguration {
  const pipeline = `${p.root}/pipeline.yaml`;
  const targets: Record<string, TargetConfiguration> = {
    train: {
      executor: '@cellar/nx:train',
      options: { pipeline },
      dependsOn: [{ projects: [DATA_PROJECT], target: 'pull' }],
      cache: true,
      inputs: [
        ...configInputs(p.model),
        ...DATA_POINTER_INPUTS,
        ...stepSourceInputs('train'),
        EXTERNAL_DEPENDENCIES,
      ],
      outputs: ['{projectRoot}/model.json', '{projectRoot}/metrics.json'],
      metadata: {
        description: `Fit the ${p.model} model on the training split and write model.json and metrics.json`,
        technologies: ['cellar'],
      },
    },
    evaluate: {
      executor: '@cellar/nx:evaluate',
      options: { pipeline },
      dependsOn: ['train'],
      cache: true,
      inputs: [
        ...configInputs(p.model),
        ...DATA_POINTER_INPUTS,
        ...stepSourceInputs('evaluate'),
        EXTERNAL_DEPENDENCIES,
        // train's outputs are git-ignored, so Nx would not hash them: without this, evaluate could be
        // restored stale after a retrain (nx-facts, "Caching").
        { dependentTasksOutputFiles: '**/*.json', transitive: true },
      ],
      outputs: ['{projectRoot}/reports'],
      metadata: {
        description:
          'Score model.json on the held-out split: classification report, confusion matrix (JSON + SVG)',
        technologies: ['cellar'],
      },
    },
    notify: {
      executor: '@cellar/nx:notify',
      options: { pipeline },
      dependsOn: ['evaluate'],
      cache: false,
      metadata: {
        description:
          'Always runs: print accuracy, per-class F1 and output paths; POST them to a webhook if configured',
        technologies: ['cellar'],
      },
    },
    predict: {
      executor: '@cellar/nx:predict',
      options: { pipeline, output: `${p.root}/predictions/predictions.csv` },
      dependsOn: ['train'],
      // The input CSV is usually git-ignored, so Nx could not hash it: never cache predictions.
      cache: false,
      metadata: {
        description: 'Score a CSV file with model.json (--input=<file>) and write predictions.csv',
        technologies: ['cellar'],
      },
    },
  };
  return {
    root: p.root,
    name: p.name,
    projectType: 'application',
    tags: ['type:pipeline', `model:${p.model}`],
    implicitDependencies: [DATA_PROJECT],
    metadata: { description: p.description ?? `Wine-quality pipeline using the ${p.model} model` },
    targets,
  };
}

/** Pure: the project inferred for one apps/<name>/sweep.yaml. */
export function inferSweepProject(s: SweepDeclaration): ProjectConfiguration {
  return {
    root: s.root,
    name: s.name,
    projectType: 'application',
    tags: ['type:sweep'],
    implicitDependencies: [DATA_PROJECT],
    metadata: { description: s.description ?? `Hyper-parameter sweep configs/sweep/${s.sweep}.yaml` },
    targets: {
      sweep: {
        executor: '@cellar/nx:sweep',
        options: { sweep: s.sweep },
        dependsOn: [{ projects: [DATA_PROJECT], target: 'pull' }],
        // A sweep is an experiment: every invocation is logged as new runs.
        cache: false,
        metadata: {
          description: `Run every combination of configs/sweep/${s.sweep}.yaml in parallel worker processes and log each as a run`,
          technologies: ['cellar'],
        },
      },
    },
  };
}
