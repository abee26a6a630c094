import * as path from 'node:path';
import { assertModelName } from './compose';
import { ConfigError } from './config-error';
import { assertDataName } from './data-config';
import { loadYamlMap, toRelative } from './load-yaml';
import { parseOverride } from './override';
import { kindOf } from './tree';

export interface PipelineSpec {
  /** The pipeline's folder name, e.g. `wine-logreg` for apps/wine-logreg/pipeline.yaml. */
  name: string;
  /** The data set (configs/data/<data>.yaml); undefined: the workspace's only one. */
  data?: string;
  model: string;
  overrides: string[];
  description?: string;
  /** Relative path of the pipeline.yaml. */
  file: string;
}

const ALLOWED_KEYS = ['data', 'model', 'overrides', 'description'];

/** Reads and checks `apps/<name>/pipeline.yaml`; override strings are syntax-checked, not applied. */
export function loadPipelineSpec(root: string, file: string): PipelineSpec {
  const rel = toRelative(root, file);
  const raw = loadYamlMap(root, rel);
  const fail = (key: string, message: string): never => {
    throw new ConfigError('PIPELINE_INVALID', `${rel}: ${message}`, { file: rel, key });
  };
  for (const key of Object.keys(raw)) {
    if (!ALLOWED_KEYS.includes(key)) fail(key, `unknown key '${key}' (allowed: ${ALLOWED_KEYS.join(', ')})`);
  }
  const model = raw.model;
  if (model === undefined || model === null)
    fail('model', `model is required (the name of a file in configs/model/, e.g. model: logreg)`);
  if (typeof model !== 'string') fail('model', `model must be a string (got a ${kindOf(model)})`);
  assertModelName(model as string, rel);
  const overrides = raw.overrides ?? [];
  if (!Array.isArray(overrides))
    fail(
      'overrides',
      `overrides must be a list of override strings like model.C=0.5 (got a ${kindOf(overrides)})`,
    );
  (overrides as unknown[]).forEach((ov, i) => {
    if (typeof ov !== 'string')
      fail(
        `overrides.${i}`,
        `overrides item ${i + 1} must be a string like model.C=0.5 (got a ${kindOf(ov)}; quote it)`,
      );
    try {
      parseOverride(ov as string);
    } catch (e) {
      if (e instanceof ConfigError && e.code === 'RESERVED_KEY')
        throw new ConfigError(e.code, `${rel}: ${e.message}`, { file: rel, key: `overrides.${i}` });
      fail(`overrides.${i}`, (e as Error).message);
    }
  });
  const spec: PipelineSpec = {
    name: path.posix.basename(path.posix.dirname(rel)),
    model: model as string,
    overrides: [...(overrides as string[])],
    file: rel,
  };
  if (raw.data !== undefined && raw.data !== null) {
    if (typeof raw.data !== 'string')
      fail(
        'data',
        `data must be a string (got a ${kindOf(raw.data)}; the name of a file in configs/data/, e.g. data: wine)`,
      );
    assertDataName(raw.data, rel);
    spec.data = raw.data;
  }
  if (raw.description !== undefined && raw.description !== null) {
    if (typeof raw.description !== 'string')
      fail('description', `description must be a string (got a ${kindOf(raw.description)})`);
    spec.description = raw.description as string;
  }
  return spec;
}
