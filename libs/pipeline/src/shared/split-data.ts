import { join } from 'node:path';
import { ConfigError, type ComposedConfig, type DataSpec, type SplitMethod } from '@cellar/config';
import {
  loadCsvDataset,
  md5File,
  readPointer,
  stratifiedSplit,
  takeRows,
  type Dataset,
  type SplitIndices,
} from '@cellar/data';
import { dataMissingError, PipelineError } from './pipeline-error';

export interface SplitData {
  train: Dataset;
  test: Dataset;
  dataMd5: string;
}

/**
 * Load the dataset named by the config and split it. The data file must match its pointer:
 * Nx hashes the pointer, not the git-ignored data, so a drifted file would poison the cache.
 */
export async function loadSplitData(root: string, composed: ComposedConfig): Promise<SplitData> {
  const { data } = composed.config;
  const pointer = readPointer(join(root, data.pointer));
  const dataPath = join(root, data.path);
  const actual = await md5File(dataPath).catch(() => null);
  if (actual === null) {
    throw dataMissingError(data.path);
  }
  if (actual !== pointer.md5) {
    throw new PipelineError(
      'DATA_DRIFT',
      `${data.path} does not match ${data.pointer} (md5 ${actual}, pointer says ${pointer.md5}): run 'npx cellar data add ${data.path}' to track the new version, or 'npx nx run data:pull --force' to restore the tracked version`,
      { file: data.path },
    );
  }
  const ds = await loadDataset(dataPath, data);
  const split = splitRows(ds, data);
  return { train: pick(ds, split.train), test: pick(ds, split.test), dataMd5: actual };
}

/**
 * THE call site that reads a data set file (the one place to switch to @cellar/data's async
 * `loadDataset(file, opts)` with `delimiter`, `missing` and Parquet support once it lands).
 * data.format.delimiter / data.format.missing are validated by the config but not passed yet:
 * loadCsvDataset has no such options today.
 */
async function loadDataset(file: string, data: DataSpec): Promise<Dataset> {
  return loadCsvDataset(file, {
    featureColumns: data.features ?? [],
    targetColumn: data.target,
    excludeColumns: data.exclude,
    displayPath: data.path,
  });
}

type Splitter = (ds: Dataset, data: DataSpec) => SplitIndices;

const notAvailable =
  (method: SplitMethod): Splitter =>
  (_ds, data) => {
    throw new ConfigError(
      'NOT_AVAILABLE',
      `configs/data/${data.name}.yaml: split.method '${method}' is not available yet (use method: stratified)`,
      { file: `configs/data/${data.name}.yaml`, key: 'split.method' },
    );
  };

/**
 * One splitter per data.split.method: adding a method is one entry here (sklearn, group and time
 * wait for @cellar/data's sklearnTrainTestSplit, groupSplit and timeSplit).
 */
const SPLITTERS: Record<SplitMethod, Splitter> = {
  stratified: (ds, data) =>
    stratifiedSplit(ds.target, {
      testSize: data.split.testSize,
      seed: data.split.randomState,
      displayPath: data.path,
      targetColumn: ds.targetName,
    }),
  sklearn: notAvailable('sklearn'),
  group: notAvailable('group'),
  time: notAvailable('time'),
};

function splitRows(ds: Dataset, data: DataSpec): SplitIndices {
  return SPLITTERS[data.split.method](ds, data);
}

/**
 * The names of a model's classes, in the order of `classes`: text labels carry theirs (the dataset's
 * classNames, indexed by class); numeric labels are named by the data config's `labels` map when it
 * has one. undefined when nothing names them, so numeric models stay as they were.
 */
export function classNamesFor(
  classes: readonly number[],
  ds: Pick<Dataset, 'classNames'>,
  data: Pick<DataSpec, 'labels'>,
): string[] | undefined {
  const names = ds.classNames;
  if (names) return classes.map((c) => names[c] ?? String(c));
  const labels = data.labels;
  if (labels) return classes.map((c) => labels[String(c)] ?? String(c));
  return undefined;
}

/** takeRows keeps the class names (they name label indices, not rows). */
function pick(ds: Dataset, rows: ArrayLike<number>): Dataset {
  const out = takeRows(ds, rows);
  return ds.classNames ? { ...out, classNames: ds.classNames } : out;
}
