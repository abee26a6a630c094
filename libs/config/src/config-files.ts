import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError } from './config-error';

// Where config files are and what they may be called: names and listings only, no schema (no zod),
// so that the Nx plugin can read a workspace's sweeps and data sets on every command cheaply.

export const DEFAULT_CONFIG_DIR = 'configs';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;

export function assertModelName(model: string, where?: string): void {
  assertConfigName('model', 'model name', model, where);
}

export function assertDataName(name: unknown, where?: string): asserts name is string {
  assertConfigName('data', 'data set name', name, where);
}

/** A name that is the file name of configs/<group>/<name>.yaml, without .yaml; `key` is the key that holds it. */
function assertConfigName(
  key: 'model' | 'data',
  what: string,
  name: unknown,
  where?: string,
): asserts name is string {
  if (typeof name !== 'string' || !NAME_RE.test(name) || name.includes('..')) {
    const prefix = where ? `${where}: ` : '';
    throw new ConfigError(
      'INVALID_NAME',
      `${prefix}${what} '${String(name)}' is invalid (use letters, digits, '_' or '-', the file name of configs/${key}/<${key === 'model' ? 'model' : 'name'}>.yaml without .yaml)`,
      { file: where, key },
    );
  }
}

/** The models of a workspace: the YAML files in configs/model, sorted. */
export function listModels(root: string, configDir = DEFAULT_CONFIG_DIR): string[] {
  return groupNames(root, configDir, 'model');
}

/** The names of a config group's files (<configDir>/<group>/<name>.yaml), sorted; none without the folder. */
function groupNames(root: string, configDir: string, group: string): string[] {
  try {
    return fs
      .readdirSync(path.resolve(root, configDir, group))
      .filter((f) => f.endsWith('.yaml'))
      .map((f) => f.slice(0, -'.yaml'.length))
      .sort();
  } catch {
    return [];
  }
}

/** configs/data/<name>.yaml. Pure: no I/O. */
export function dataConfigFile(name: string, configDir = DEFAULT_CONFIG_DIR): string {
  assertDataName(name);
  return `${configDir}/data/${name}.yaml`;
}

/** The data sets of a workspace: the YAML files in configs/data, sorted. */
export function listDatasets(root: string, configDir = DEFAULT_CONFIG_DIR): string[] {
  return groupNames(root, configDir, 'data');
}

/**
 * The data set a pipeline uses: the one it names, else the workspace's only data set. Pure apart from
 * listing configs/data; the Nx plugin calls it too, so a pipeline hashes the data set it trains on.
 */
export function selectDataset(
  root: string,
  selected: string | undefined,
  configDir = DEFAULT_CONFIG_DIR,
  where?: string,
  /** How the selection was written, for messages; default `data=<name>`. */
  selectedAs?: string,
): string {
  const available = listDatasets(root, configDir);
  const list = available.length ? available.join(', ') : `none: add ${configDir}/data/<name>.yaml`;
  if (selected === undefined) {
    if (available.length === 1) return available[0];
    throw new ConfigError(
      'DATA_NOT_FOUND',
      `${where ? `${where}: ` : ''}no data set selected (add 'data: <name>' to the pipeline.yaml or pass data=<name>; available: ${list})`,
      { file: where, key: 'data' },
    );
  }
  assertDataName(selected, where);
  if (!available.includes(selected)) {
    throw new ConfigError(
      'DATA_NOT_FOUND',
      `${selectedAs ?? `data=${selected}`}: unknown data set (available: ${list}; add ${configDir}/data/${selected}.yaml or pick one of those)`,
      { file: `${configDir}/data/${selected}.yaml`, key: 'data' },
    );
  }
  return selected;
}
