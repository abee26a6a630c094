// Input lists shared by the inferred targets. Named precisely so that editing a README,
// a spec or the tracking UI never invalidates a trained model (see nx-facts: implicitDependencies
// alone do not track executor sources).

export const PIPELINE_FILE = 'pipeline.yaml';
export const SWEEP_FILE = 'sweep.yaml';
export const DATA_PROJECT = 'data';
export const BASE_CONFIG = 'configs/train/base.yaml';

const libSources = (lib: string) => `{workspaceRoot}/libs/${lib}/src/**/*.ts`;
const NOT_SPECS = '!{workspaceRoot}/libs/**/*.spec.ts';

/**
 * Sources a pipeline step runs: its executor folder and the executors' shared helpers, its stage
 * folder in @cellar/pipeline and the pipeline's shared code, and the ML libs they import. Other
 * stages (notify, sweep) are not named, so editing them never retrains or re-evaluates a model.
 */
export function stepSourceInputs(executor: string): string[] {
  return [
    `{workspaceRoot}/libs/nx/src/executors/${executor}/**/*.ts`,
    '{workspaceRoot}/libs/nx/src/executors/shared/**/*.ts',
    `{workspaceRoot}/libs/pipeline/src/${executor}/**/*.ts`,
    '{workspaceRoot}/libs/pipeline/src/shared/**/*.ts',
    '{workspaceRoot}/libs/pipeline/src/index.ts',
    libSources('config'),
    libSources('data'),
    libSources('modeling'),
    NOT_SPECS,
  ];
}

/** Data pointers are content addresses (md5), so hashing them stands for hashing the git-ignored data. */
export const DATA_POINTER_INPUTS = ['{workspaceRoot}/data/**/*.dvc'];

export const EXTERNAL_DEPENDENCIES = { externalDependencies: ['csv-parse', 'yaml', 'zod'] };

export function configInputs(model: string): string[] {
  return [
    '{projectRoot}/pipeline.yaml',
    `{workspaceRoot}/${BASE_CONFIG}`,
    `{workspaceRoot}/configs/model/${model}.yaml`,
  ];
}
