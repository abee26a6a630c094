import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import {
  assertDataName,
  assertModelName,
  DEFAULT_CONFIG_DIR,
  listModels,
  selectDataset,
} from './config-files';
import { ConfigError } from './config-error';
import { loadYamlMap } from './load-yaml';
import { parseOverride, parseValueText, splitTopLevel } from './override';
import { isMap, kindOf, RESERVED_KEYS, reservedKeyError } from './tree';

export interface SweepRun {
  /** The data set the point trains on (configs/data/<data>.yaml). */
  data: string;
  model: string;
  overrides: string[];
}

export interface SweepSpec {
  name: string;
  metric: string;
  runs: SweepRun[];
  file: string;
}

export const SWEEP_DIR = 'configs/sweep';

function sweepError(expr: string, why: string): ConfigError {
  return new ConfigError('SWEEP_SYNTAX', `sweep '${expr}': ${why}`);
}

function decimals(text: string): number {
  const m = /\.(\d+)/.exec(text);
  const e = /e([+-]?\d+)$/i.exec(text);
  return Math.max(0, (m ? m[1].length : 0) - (e ? Number(e[1]) : 0));
}

function expandRange(expr: string, args: string[]): string[] {
  if (args.length < 2 || args.length > 3)
    throw sweepError(expr, 'range needs (start, stop) or (start, stop, step)');
  const texts = args.map((a) => a.trim());
  const nums = texts.map((t) => {
    const v = parseValueText(t);
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw sweepError(expr, `range argument '${t}' is not a number`);
    return v;
  });
  const [start, stop] = nums;
  const step = nums[2] ?? 1;
  if (step === 0) throw sweepError(expr, 'range step must not be 0');
  const count = Math.ceil((stop - start) / step - 1e-9);
  if (count <= 0)
    throw sweepError(expr, `range is empty (stop must be ${step > 0 ? 'greater' : 'less'} than start)`);
  if (count > 10_000) throw sweepError(expr, `range has ${count} values (at most 10000)`);
  // Round to the inputs' precision so range(0.1, 0.5, 0.1) gives 0.3, not 0.30000000000000004.
  const places = Math.min(15, Math.max(...texts.map(decimals)));
  return Array.from({ length: count }, (_, i) => String(Number((start + i * step).toFixed(places))));
}

/** Expands one Hydra sweep expression (`a,b,c`, `range(...)`, `choice(...)`, or a single value) into override value texts. */
export function expandSweepExpression(expr: string): string[] {
  const text = String(expr).trim();
  const fn = /^([a-z_]+)\s*\(([\s\S]*)\)$/.exec(text);
  let items: string[];
  try {
    if (fn && (fn[1] === 'range' || fn[1] === 'choice')) {
      const args = fn[2].trim() === '' ? [] : splitTopLevel(fn[2]);
      if (fn[1] === 'range') return expandRange(text, args);
      if (args.length === 0) throw sweepError(text, 'choice needs at least one value');
      items = args;
    } else if (fn && ['interval', 'glob', 'tag', 'sort', 'shuffle'].includes(fn[1])) {
      throw sweepError(text, `${fn[1]}() is not supported (use a comma list, range() or choice())`);
    } else {
      items = splitTopLevel(text);
    }
  } catch (e) {
    if (e instanceof ConfigError) throw e;
    throw sweepError(text, (e as Error).message);
  }
  return items.map((item) => {
    const value = item.trim();
    if (value === '' && items.length > 1) throw sweepError(text, 'empty value in comma list');
    try {
      parseValueText(value);
    } catch (e) {
      throw sweepError(text, (e as Error).message);
    }
    return value;
  });
}

function renderScalar(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (v === null) return 'null';
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

function cartesian(lists: string[][]): string[][] {
  return lists.reduce<string[][]>(
    (acc, list) => acc.flatMap((prefix) => list.map((item) => [...prefix, item])),
    [[]],
  );
}

/** Loads `configs/sweep/<name>.yaml` and expands every grid entry, first parameter varying slowest. */
export function loadSweep(root: string, name: string, configDir = DEFAULT_CONFIG_DIR): SweepSpec {
  const sweepDir = `${configDir}/sweep`;
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) {
    throw new ConfigError(
      'INVALID_NAME',
      `sweep name '${name}' is invalid (use the file name of ${sweepDir}/<name>.yaml without .yaml)`,
    );
  }
  const file = `${sweepDir}/${name}.yaml`;
  if (!fs.existsSync(path.resolve(root, file))) {
    let available: string[] = [];
    try {
      available = fs
        .readdirSync(path.resolve(root, sweepDir))
        .filter((f) => f.endsWith('.yaml'))
        .map((f) => f.slice(0, -5))
        .sort();
    } catch {
      // no sweep folder: nothing available
    }
    throw new ConfigError(
      'FILE_NOT_FOUND',
      `${file}: sweep '${name}' does not exist (available: ${available.length ? available.join(', ') : 'none'})`,
      { file },
    );
  }
  const raw = loadYamlMap(root, file);
  const fail = (key: string, message: string): never => {
    throw new ConfigError('SWEEP_INVALID', `${file}: ${message}`, { file, key });
  };
  for (const key of Object.keys(raw))
    if (key !== 'metric' && key !== 'grid' && key !== 'data')
      fail(key, `unknown key '${key}' (allowed: data, metric, grid)`);
  const dataOf = (value: unknown, key: string): string => {
    if (value !== undefined && value !== null) {
      if (typeof value !== 'string') fail(key, `${key} must be a data set name (got a ${kindOf(value)})`);
      assertDataName(value, file);
    }
    return selectDataset(root, (value ?? undefined) as string | undefined, configDir, file);
  };
  const sweepData = raw.data ?? undefined;
  if (typeof raw.metric !== 'string' || raw.metric === '')
    fail(
      'metric',
      `metric must be a metric name such as accuracy (got ${raw.metric === undefined ? 'nothing' : `a ${kindOf(raw.metric)}`})`,
    );
  if (!Array.isArray(raw.grid) || raw.grid.length === 0)
    fail('grid', 'grid must be a non-empty list of { model, params } entries');
  const models = new Set(listModels(root, configDir));
  const runs: SweepRun[] = [];
  (raw.grid as unknown[]).forEach((entry, i) => {
    const at = `grid.${i}`;
    if (!isMap(entry)) return fail(at, `${at} must be a map with model and params (got a ${kindOf(entry)})`);
    for (const key of Object.keys(entry))
      if (key !== 'model' && key !== 'params' && key !== 'data')
        fail(`${at}.${key}`, `${at}: unknown key '${key}' (allowed: data, model, params)`);
    const data = dataOf(entry.data ?? sweepData, entry.data === undefined ? 'data' : `${at}.data`);
    const model = entry.model;
    if (typeof model !== 'string')
      return fail(
        `${at}.model`,
        `${at}.model must be a model name (got ${model === undefined ? 'nothing' : `a ${kindOf(model)}`})`,
      );
    assertModelName(model, file);
    if (!models.has(model))
      fail(
        `${at}.model`,
        `${at}.model '${model}' does not exist in ${configDir}/model (available: ${[...models].join(', ') || 'none'})`,
      );
    const params = entry.params ?? {};
    if (!isMap(params))
      return fail(
        `${at}.params`,
        `${at}.params must be a map of key.path: sweep expression (got a ${kindOf(params)})`,
      );
    const keys = Object.keys(params);
    const lists = keys.map((key) => {
      if (
        key
          .replace(/^[+~]+/, '')
          .split('.')
          .some((seg) => RESERVED_KEYS.has(seg))
      )
        throw reservedKeyError(`${file}: ${at}.params`, key, file);
      const text = renderScalar(params[key]);
      if (text === undefined)
        return fail(
          `${at}.params.${key}`,
          `${at}.params.${key} must be a sweep expression string like 0.1,1,10 (got a ${kindOf(params[key])})`,
        );
      let values: string[];
      try {
        values = expandSweepExpression(text);
        values.forEach((v) => parseOverride(`${key}=${v}`));
      } catch (e) {
        const message = `${at}.params.${key}: ${(e as Error).message}`;
        if (e instanceof ConfigError && e.code === 'RESERVED_KEY')
          throw new ConfigError(e.code, `${file}: ${message}`, { file, key: `${at}.params.${key}` });
        return fail(`${at}.params.${key}`, message);
      }
      return values.map((v) => `${key}=${v}`);
    });
    for (const overrides of cartesian(lists)) runs.push({ data, model, overrides });
  });
  return { name, metric: raw.metric as string, runs, file };
}

/**
 * A grid point's stable id: a short hash of its data set, model and overrides, so a point keeps its id (and its
 * Nx cache entry and output folder) when other values are added to the grid.
 */
export function sweepPointId(run: SweepRun): string {
  return createHash('sha256')
    .update(JSON.stringify([run.data, run.model, run.overrides]))
    .digest('hex')
    .slice(0, 10);
}
