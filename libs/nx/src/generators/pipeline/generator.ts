import type { Tree } from '@nx/devkit';
import { stringify } from 'yaml';
import type { PipelineGeneratorSchema } from './schema';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export default async function pipelineGenerator(tree: Tree, options: PipelineGeneratorSchema): Promise<void> {
  if (!NAME.test(options.name)) {
    throw new Error(`pipeline name '${options.name}' must be kebab-case (e.g. wine-svm)`);
  }
  const modelFile = `configs/model/${options.model}.yaml`;
  if (!tree.exists(modelFile)) {
    const models = tree.exists('configs/model')
      ? tree
          .children('configs/model')
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => f.replace(/\.yaml$/, ''))
          .sort()
      : [];
    throw new Error(`${modelFile} does not exist; available models: ${models.join(', ') || 'none'}`);
  }
  const root = `apps/${options.name}`;
  if (tree.exists(root)) throw new Error(`${root} already exists; choose another name`);
  const declaration: Record<string, unknown> = {
    description: options.description ?? `Wine quality with the ${options.model} model`,
    model: options.model,
  };
  if (options.overrides?.length) declaration.overrides = options.overrides;
  tree.write(`${root}/pipeline.yaml`, stringify(declaration));
}
