import * as path from 'node:path';
import { datasetFromCells, loadCsvDataset, type Dataset, type LoadCsvDatasetOptions } from './csv-dataset';
import { DataError } from './data-error';
import { readParquetCells } from './parquet';

export type TableFormat = 'csv' | 'parquet';

export interface LoadDatasetOptions extends LoadCsvDatasetOptions {
  /** Default from the extension: .csv .tsv .txt are CSV, .parquet .pq Parquet. */
  format?: TableFormat;
}

const EXTENSIONS: Record<string, TableFormat> = {
  '.csv': 'csv',
  '.tsv': 'csv',
  '.txt': 'csv',
  '.parquet': 'parquet',
  '.pq': 'parquet',
};

export function tableFormatOf(file: string, format: string | undefined, shown = file): TableFormat {
  if (format !== undefined) {
    if (format === 'csv' || format === 'parquet') return format;
    throw new DataError('UNSUPPORTED_FORMAT', `${shown}: format '${format}' is not one of csv, parquet`, {
      file: shown,
      key: 'format',
    });
  }
  const found = EXTENSIONS[path.extname(file).toLowerCase()];
  if (found) return found;
  throw new DataError(
    'UNSUPPORTED_FORMAT',
    `${shown}: cannot tell the format from the extension (${Object.keys(EXTENSIONS).join(' ')}); set format: csv or parquet`,
    { file: shown, key: 'format' },
  );
}

/** A CSV or Parquet file as a Dataset, with the same rules for columns, labels and missing values. */
export async function loadDataset(file: string, opts: LoadDatasetOptions): Promise<Dataset> {
  const shown = opts.displayPath ?? file;
  const { format, ...rest } = opts;
  if (tableFormatOf(file, format, shown) === 'csv') return loadCsvDataset(file, rest);
  const exclude = new Set(opts.excludeColumns ?? []);
  const cells = await readParquetCells(file, shown, (header) =>
    opts.featureColumns.length > 0
      ? [...opts.featureColumns, opts.targetColumn, ...(opts.keepColumns ?? [])]
      : header.filter((h) => !exclude.has(h) || opts.keepColumns?.includes(h)),
  );
  return datasetFromCells(file, cells, rest);
}
