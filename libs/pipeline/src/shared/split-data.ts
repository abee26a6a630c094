import { join } from 'node:path';
import type { ComposedConfig } from '@cellar/config';
import { loadCsvDataset, md5File, readPointer, stratifiedSplit, takeRows, type Dataset } from '@cellar/data';
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
  const { data, train } = composed.config;
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
  const ds = loadCsvDataset(dataPath, {
    featureColumns: train.featureColumns,
    targetColumn: train.targetColumn,
    excludeColumns: train.excludeColumns,
    displayPath: data.path,
  });
  const split = stratifiedSplit(ds.target, {
    testSize: train.testSize,
    seed: train.randomState,
    displayPath: data.path,
    targetColumn: ds.targetName,
  });
  return { train: takeRows(ds, split.train), test: takeRows(ds, split.test), dataMd5: actual };
}
