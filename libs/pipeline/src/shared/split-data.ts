import { join } from 'node:path';
import type { ComposedConfig, DataSpec, SplitMethod } from '@cellar/config';
import {
  groupSplit,
  loadDataset as loadTable,
  md5File,
  readPointer,
  sklearnTrainTestSplit,
  stratifiedSplit,
  takeRows,
  timeSplit,
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
  const ds = await loadDatasetOnce(dataPath, actual, data);
  const split = splitRows(ds, data);
  return { train: pick(ds, split.train), test: pick(ds, split.test), dataMd5: actual };
}

/** The one place a data set file is read: CSV or Parquet, with the data config's format options. */
// The last table read, by file, md5 and read options: the points of a sweep in one process share
// one data set (each split takes its own rows and nothing mutates the table).
let lastTable: { key: string; table: Promise<Dataset> } | undefined;

function loadDatasetOnce(file: string, md5: string, data: DataSpec): Promise<Dataset> {
  const key = JSON.stringify([
    file,
    md5,
    data.features,
    data.target,
    data.exclude,
    data.format,
    data.split.method,
    data.split.column,
  ]);
  if (lastTable?.key !== key) {
    const table = loadDataset(file, data);
    lastTable = { key, table };
    table.catch(() => {
      if (lastTable?.table === table) lastTable = undefined;
    });
  }
  return lastTable.table;
}

async function loadDataset(file: string, data: DataSpec): Promise<Dataset> {
  const { method, column } = data.split;
  return loadTable(file, {
    featureColumns: data.features ?? [],
    targetColumn: data.target,
    // a group or time column is how rows are split, not a feature (unless listed as one)
    excludeColumns:
      column !== null && method !== 'stratified' && method !== 'sklearn'
        ? [...data.exclude, column]
        : data.exclude,
    displayPath: data.path,
    delimiter: data.format.delimiter === 'auto' ? undefined : data.format.delimiter,
    missing: data.format.missing,
    keepColumns: (method === 'group' || method === 'time') && column !== null ? [column] : undefined,
  });
}

type Splitter = (ds: Dataset, data: DataSpec) => SplitIndices;

/** The split column's raw values (the config guarantees a column for group and time). */
function keptColumn(ds: Dataset, data: DataSpec): string[] {
  return ds.kept![data.split.column!];
}

/** One splitter per data.split.method (docs/splits.md gives each rule). */
const SPLITTERS: Record<SplitMethod, Splitter> = {
  stratified: (ds, data) =>
    stratifiedSplit(ds.target, {
      testSize: data.split.testSize,
      seed: data.split.randomState,
      displayPath: data.path,
      targetColumn: ds.targetName,
    }),
  sklearn: (ds, data) =>
    sklearnTrainTestSplit(ds.target, {
      testSize: data.split.testSize,
      randomState: data.split.randomState,
      stratify: true,
      displayPath: data.path,
      targetColumn: ds.targetName,
    }),
  group: (ds, data) =>
    groupSplit(keptColumn(ds, data), {
      testSize: data.split.testSize,
      seed: data.split.randomState,
      displayPath: data.path,
      groupColumn: data.split.column!,
    }),
  time: (ds, data) =>
    timeSplit(keptColumn(ds, data), {
      testSize: data.split.testSize,
      displayPath: data.path,
      orderColumn: data.split.column!,
    }),
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
