import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { readNxJson, type Tree } from '@nx/devkit';
import { composeConfig, ConfigError } from '@cellar/config';
import { stringify } from 'yaml';
import type { PipelineGeneratorSchema } from './schema';

const NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** The plugin's options in nx.json decide where pipelines and configs live. */
function pluginOptions(tree: Tree): { configDir: string; pipelinesRoot: string } {
  const entry = readNxJson(tree)?.plugins?.find(
    (p) => (typeof p === 'string' ? p : p.plugin) === '@cellar/nx',
  );
  const options = (typeof entry === 'object' ? entry.options : {}) as Record<string, string> | undefined;
  const pipelines = options?.pipelines ?? 'apps/*/pipeline.yaml';
  return {
    configDir: options?.configDir ?? 'configs',
    // `apps/*/pipeline.yaml` -> `apps`: a new pipeline goes where the plugin will find it.
    pipelinesRoot: pipelines.split('/*/')[0] ?? 'apps',
  };
}

export default async function pipelineGenerator(tree: Tree, options: PipelineGeneratorSchema): Promise<void> {
  if (!NAME.test(options.name)) {
    throw new Error(`pipeline name '${options.name}' must be kebab-case (e.g. churn-logreg)`);
  }
  const { configDir, pipelinesRoot } = pluginOptions(tree);
  const modelDir = `${configDir}/model`;
  const modelFile = `${modelDir}/${options.model}.yaml`;
  if (!tree.exists(modelFile)) {
    const models = tree.exists(modelDir)
      ? tree
          .children(modelDir)
          .filter((f) => f.endsWith('.yaml'))
          .map((f) => f.replace(/\.yaml$/, ''))
          .sort()
      : [];
    throw new Error(`${modelFile} does not exist; available models: ${models.join(', ') || 'none'}`);
  }
  const data = chooseDataset(tree, `${configDir}/data`, options.data);
  const root = `${pipelinesRoot}/${options.name}`;
  if (tree.exists(root)) throw new Error(`${root} already exists; choose another name`);
  const file = `${root}/pipeline.yaml`;
  const overrides = options.overrides ?? [];
  checkOverrides(tree, { configDir, data, model: options.model, file, overrides });
  const declaration: Record<string, unknown> = {
    description: options.description ?? `The ${options.model} model on ${data}`,
    data,
    model: options.model,
  };
  if (overrides.length) declaration.overrides = overrides;
  tree.write(file, stringify(declaration));
}

/** The data set the pipeline trains on: --data, or the workspace's only one. */
function chooseDataset(tree: Tree, dataDir: string, wanted: string | undefined): string {
  const available = tree.exists(dataDir)
    ? tree
        .children(dataDir)
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.replace(/\.yaml$/, ''))
        .sort()
    : [];
  const list = available.join(', ') || `none (add ${dataDir}/<name>.yaml)`;
  if (wanted === undefined) {
    if (available.length === 1) return available[0];
    throw new Error(
      `--data is required: pick the data set (${dataDir}/<name>.yaml) of the pipeline; available: ${list}`,
    );
  }
  if (!available.includes(wanted))
    throw new Error(`${dataDir}/${wanted}.yaml does not exist; available data sets: ${list}`);
  return wanted;
}

/**
 * Composes the config with and without the new overrides, so that a typo such as `model.Cx=1` fails
 * here rather than at train. A workspace whose base config is still incomplete (`???`) is not this
 * generator's business: only errors the overrides add are reported.
 */
function checkOverrides(
  tree: Tree,
  o: { configDir: string; data: string; model: string; file: string; overrides: string[] },
): void {
  if (o.overrides.length === 0) return;
  // composeConfig reads files; the generator's Tree may hold changes not yet on disk.
  const scratch = mkdtempSync(join(tmpdir(), 'cellar-gen-'));
  try {
    for (const rel of [
      `${o.configDir}/train/base.yaml`,
      `${o.configDir}/data/${o.data}.yaml`,
      `${o.configDir}/model/${o.model}.yaml`,
    ]) {
      const text = tree.read(rel);
      if (text === null) continue;
      mkdirSync(dirname(join(scratch, rel)), { recursive: true });
      writeFileSync(join(scratch, rel), text);
    }
    const compose = (pipelineOverrides: string[]) => {
      try {
        composeConfig({
          root: scratch,
          model: o.model,
          data: o.data,
          configDir: o.configDir,
          pipelineOverrides,
          pipelineFile: o.file,
        });
        return null;
      } catch (e) {
        if (e instanceof ConfigError) return e.message;
        throw e;
      }
    };
    const before = compose([]);
    const after = compose(o.overrides);
    if (after !== null && after !== before) throw new Error(after);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
