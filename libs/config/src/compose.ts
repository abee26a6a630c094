import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './config-error';
import { hashConfig } from './hash';
import { resolveTree } from './interpolate';
import { loadYamlMap, toRelative } from './load-yaml';
import { applyOverride, mergeInto } from './merge';
import {
  assertModelName,
  dataConfigFile,
  DEFAULT_CONFIG_DIR,
  listModels,
  selectDataset,
} from './config-files';
import { parseOverride, type Override } from './override';
import { Provenance } from './provenance';
import { validateConfig, type CellarConfig } from './schema';
import { emptyMap, hasPath, isMap } from './tree';

export { assertModelName, DEFAULT_CONFIG_DIR, listModels };
export const BASE_CONFIG_FILE = `${DEFAULT_CONFIG_DIR}/train/base.yaml`;
export const MODEL_CONFIG_DIR = `${DEFAULT_CONFIG_DIR}/model`;

export interface ComposeOptions {
  root: string;
  model: string;
  /**
   * The data set (configs/data/<data>.yaml), as pipeline.yaml's `data:` names it. A `data=<name>`
   * override (pipeline or command line) selects another; with neither, the workspace's only data set.
   */
  data?: string;
  pipelineOverrides?: string[];
  /** Relative path of the pipeline.yaml the pipeline overrides came from; used in messages and `sources`. */
  pipelineFile?: string;
  overrides?: string[];
  /** Folder of train/base.yaml and model/<name>.yaml, relative to root. Default `configs`. */
  configDir?: string;
  /** Defaults to process.env. */
  env?: Record<string, string | undefined>;
}

export interface ComposedConfig {
  config: CellarConfig;
  /** snake_case, interpolated: what params are logged from. */
  resolved: Record<string, unknown>;
  /** Files that contributed, relative to the root, in order. */
  sources: string[];
  hash: string;
}

/** The config files a model's pipeline reads, in merge order. Pure: no I/O. */
export function modelConfigFiles(model: string, configDir = DEFAULT_CONFIG_DIR): string[] {
  assertModelName(model);
  return [`${configDir}/train/base.yaml`, `${configDir}/model/${model}.yaml`];
}

/** A Hydra group override: `data=<name>` selects configs/data/<name>.yaml instead of setting a key. */
function groupSelection(ov: Override): string | undefined {
  return ov.action === 'set' && ov.path.length === 1 && ov.path[0] === 'data' && typeof ov.value === 'string'
    ? ov.value
    : undefined;
}

/**
 * base.yaml -> configs/data/<data>.yaml (under `data:`) -> configs/model/<model>.yaml -> pipeline overrides
 * -> command-line overrides, then interpolate and validate.
 */
export function composeConfig(opts: ComposeOptions): ComposedConfig {
  const { root, model } = opts;
  const env = opts.env ?? process.env;
  const configDir = opts.configDir ?? DEFAULT_CONFIG_DIR;
  const [baseFile, modelFile] = modelConfigFiles(model, configDir);
  if (!fs.existsSync(path.resolve(root, modelFile))) {
    const available = listModels(root, configDir);
    throw new ConfigError(
      'MODEL_NOT_FOUND',
      `${modelFile}: model '${model}' does not exist (available: ${available.length ? available.join(', ') : 'none'}; add ${modelFile} or pick one of those)`,
      { file: modelFile, key: 'model' },
    );
  }
  const pipelineFile = opts.pipelineFile === undefined ? undefined : toRelative(root, opts.pipelineFile);
  const pipelineOverrides = (opts.pipelineOverrides ?? []).map((text) => {
    const label = pipelineFile
      ? `${pipelineFile}: override '${text.trim()}'`
      : `pipeline override '${text.trim()}'`;
    return { ov: parseLabelled(text, pipelineFile), label, file: pipelineFile };
  });
  const cliOverrides = (opts.overrides ?? []).map((text) => ({
    ov: parseOverride(text),
    label: `override '${text.trim()}'`,
    file: undefined,
  }));
  let dataName = opts.data;
  let selectedAs =
    opts.data !== undefined && pipelineFile !== undefined ? `${pipelineFile}: data: ${opts.data}` : undefined;
  for (const { ov, label } of [...pipelineOverrides, ...cliOverrides]) {
    const group = groupSelection(ov);
    if (group !== undefined) [dataName, selectedAs] = [group, label];
  }
  dataName = selectDataset(root, dataName, configDir, pipelineFile, selectedAs);
  const dataFile = dataConfigFile(dataName, configDir);

  const prov = new Provenance();
  // Composed on prototype-less maps: reserved keys are refused on input, and this keeps a miss harmless.
  const tree = emptyMap();
  const sources: string[] = [];
  mergeInto(tree, loadYamlMap(root, baseFile), baseFile, prov);
  sources.push(baseFile);
  const group = emptyMap();
  group.data = Object.assign(emptyMap(), loadYamlMap(root, dataFile), { name: dataName });
  mergeInto(tree, group, dataFile, prov);
  sources.push(dataFile);
  mergeInto(tree, loadYamlMap(root, modelFile), modelFile, prov);
  sources.push(modelFile);
  // The tracking experiment defaults to the data set's (its `experiment:` key, else its name); a
  // reference, so `data.experiment=...` still moves it and `tracking.experiment=...` replaces it.
  if (!hasPath(tree, ['tracking', 'experiment'])) {
    const ref = hasPath(tree, ['data', 'experiment']) ? '${data.experiment}' : '${data.name}';
    if (!isMap(tree.tracking)) tree.tracking = emptyMap();
    (tree.tracking as Record<string, unknown>).experiment = ref;
    prov.assign(['tracking', 'experiment'], ref, dataFile);
  }
  if (pipelineFile !== undefined) sources.push(pipelineFile);
  for (const { ov, label, file } of [...pipelineOverrides, ...cliOverrides]) {
    if (groupSelection(ov) === undefined) applyOverride(tree, ov, label, prov, file);
  }
  const resolved = resolveTree(tree, prov, env);
  // A key nobody set (e.g. a section missing from every file) is blamed on the file that should hold it.
  const config = validateConfig(resolved, prov, (keyPath) =>
    keyPath[0] === 'model' ? modelFile : keyPath[0] === 'data' ? dataFile : baseFile,
  );
  return { config, resolved, sources, hash: hashConfig(resolved) };
}

function parseLabelled(text: string, file: string | undefined) {
  try {
    return parseOverride(text);
  } catch (e) {
    if (e instanceof ConfigError && file)
      throw new ConfigError(e.code, `${file}: ${e.message}`, { file, key: e.key });
    throw e;
  }
}

/** Flattens a resolved tree to `section.key` -> string for logging params; lists become JSON. */
export function flattenConfig(resolved: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, prefix: string): void => {
    if (isMap(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0 && prefix) out[prefix] = '{}';
      for (const k of keys) walk(value[k], prefix ? `${prefix}.${k}` : k);
    } else if (Array.isArray(value)) {
      out[prefix] = JSON.stringify(value);
    } else if (typeof value === 'string') {
      out[prefix] = value;
    } else {
      out[prefix] = value === undefined ? 'null' : (JSON.stringify(value) ?? String(value));
    }
  };
  walk(resolved, '');
  return out;
}
