export { DataError } from './data-error';
export type { DataErrorCode, DataErrorDetails } from './data-error';
export {
  compareCodePoints,
  DEFAULT_NA_VALUES,
  loadCsvDataset,
  loadCsvTable,
  takeRows,
  uniqueSorted,
} from './csv-dataset';
export type {
  CsvTable,
  Dataset,
  LoadCsvDatasetOptions,
  LoadCsvTableOptions,
  MissingPolicy,
} from './csv-dataset';
export { DELIMITERS, detectDelimiter, showDelimiter } from './delimiter';
export { loadDataset, tableFormatOf } from './load-dataset';
export type { LoadDatasetOptions, TableFormat } from './load-dataset';
export { guessTarget, inferTable, isIdColumn } from './infer-table';
export type { InferredColumn, InferTableOptions, TableInference } from './infer-table';
export { stratifiedKFold, stratifiedSplit } from './split';
export { createRng } from './random';
export type { Rng } from './random';
export type { SplitIndices, StratifiedSplitOptions } from './split';
export { sklearnTrainTestSplit } from './split-sklearn';
export type { SklearnSplitOptions } from './split-sklearn';
export { groupSplit } from './split-group';
export type { GroupSplitOptions } from './split-group';
export { timeSplit } from './split-time';
export type { TimeSplitOptions } from './split-time';
export { NumpyRandomState } from './numpy-random';
export type { MutableNumbers } from './numpy-random';
export { md5File } from './md5';
export { displayPathOf, tempPathFor, writeFileAtomic } from './atomic-write';
export { pointerTarget, readPointer, writePointer } from './pointer';
export type { DataPointer } from './pointer';
export { parseDvcConfig, readDvcConfig, resolveRemote } from './dvc-config';
export type { DvcConfig, RemoteKind, RemoteSource, ResolvedRemote } from './dvc-config';
export { objectKey } from './remotes/remote';
export type { DataRemote, ProgressFn } from './remotes/remote';
export { openRemote } from './remotes/open-remote';
export { addData, dataStatus, findPointers, pullData, pushData } from './sync';
export type {
  AddDataOptions,
  AddDataResult,
  DataStatusEntry,
  DataStatusReport,
  DataSyncOptions,
  PullResult,
  PushResult,
  TransferProgress,
} from './sync';
// DVC folders, the local cache and checkout (h2b-dvc)
export { checkoutData, pointerFileFor } from './sync';
export { CACHE_DIR, LocalCache } from './cache';
export { dirObjectMd5, isDirMd5, parseDirObject, serializeDirObject } from './dir-object';
export type { DirEntry } from './dir-object';
export { addRemote, listRemotes, removeRemote, setDefaultRemote } from './dvc-config';
export type { RemoteListing } from './dvc-config';
