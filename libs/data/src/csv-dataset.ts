import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { errorMessage } from '@cellar/config';
import { badCellError, NUMBER_RE, readCsvColumnsFast } from './csv-fast';
import { DataError } from './data-error';

export interface Dataset {
  file: string;
  featureNames: string[];
  /** One Float64Array per feature, column-major, each nRows long. */
  columns: Float64Array[];
  targetName: string;
  target: Float64Array;
  nRows: number;
  classNames?: string[]; // text class labels: target then holds indices 0..k-1 into these names
}

export interface LoadCsvDatasetOptions {
  featureColumns: string[];
  targetColumn: string;
  /** Dropped from the features; an empty featureColumns means "every column but the target and these". */
  excludeColumns?: string[];
  /** Shown in error messages instead of `file`, e.g. `data/external/WineQT.csv`. */
  displayPath?: string;
}

export interface CsvTable {
  columns: Record<string, Float64Array>;
  /** The `textColumns` the file has, as written (trimmed), never parsed as numbers. */
  text: Record<string, string[]>;
  nRows: number;
  header: string[];
}

export interface LoadCsvTableOptions {
  /** Columns that must exist and be numeric; default every column. The others may hold text. */
  columns?: string[];
  /** Columns kept as text when the file has them (an Id, a name); absent ones are skipped. */
  textColumns?: string[];
  displayPath?: string;
}

interface RawCsv {
  header: string[];
  rows: string[][];
  lines: number[];
}

function readRawCsv(file: string, shown: string): RawCsv {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new DataError(
        'FILE_NOT_FOUND',
        `${shown}: file not found; run 'cellar data pull' or check the path`,
        {
          file: shown,
        },
      );
    }
    throw new DataError('FILE_NOT_FOUND', `${shown}: cannot read file (${errorMessage(err)})`, {
      file: shown,
      cause: err,
    });
  }
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    const where = line === undefined ? '' : ` line ${line}:`;
    throw new DataError('INVALID_CSV', `${shown}:${where} invalid CSV (${errorMessage(err)}); fix the file`, {
      file: shown,
      cause: err,
    });
  }
  if (records.length === 0) {
    throw new DataError(
      'EMPTY_FILE',
      `${shown}: file is empty (expected a header line); re-create or re-pull the file`,
      {
        file: shown,
      },
    );
  }
  const header = records[0].record.map((h) => h.trim());
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) {
      throw new DataError(
        'DUPLICATE_COLUMN',
        `${shown}: column '${name}' appears twice in the header; rename one`,
        {
          file: shown,
          column: name,
        },
      );
    }
    seen.add(name);
  }
  if (records.length === 1) {
    throw new DataError('NO_ROWS', `${shown}: has a header but no data rows; add rows or re-pull the file`, {
      file: shown,
    });
  }
  const rows: string[][] = new Array(records.length - 1);
  const lines: number[] = new Array(records.length - 1);
  for (let i = 1; i < records.length; i++) {
    const { record, info } = records[i];
    if (record.length !== header.length) {
      throw new DataError(
        'RAGGED_ROW',
        `${shown}: row ${i} (line ${info.lines}) has ${record.length} fields, expected ${header.length} like the header; fix that line`,
        { file: shown, row: i },
      );
    }
    rows[i - 1] = record;
    lines[i - 1] = info.lines;
  }
  return { header, rows, lines };
}

function missingColumn(shown: string, name: string, header: string[]): DataError {
  return new DataError(
    'MISSING_COLUMN',
    `${shown}: missing column '${name}' (columns: ${header.join(', ')})`,
    {
      file: shown,
      column: name,
    },
  );
}

function numericColumn(raw: RawCsv, colIndex: number, shown: string): Float64Array {
  const out = new Float64Array(raw.rows.length);
  const name = raw.header[colIndex];
  for (let r = 0; r < raw.rows.length; r++) {
    const cell = raw.rows[r][colIndex];
    if (!NUMBER_RE.test(cell))
      throw badCellError(shown, name, { row: r + 1, line: raw.lines[r], text: cell });
    out[r] = Number(cell);
  }
  return out;
}

/** Feature names in order; throws the loader's argument errors. */
function datasetFeatures(header: string[], opts: LoadCsvDatasetOptions, shown: string): string[] {
  const exclude = new Set(opts.excludeColumns ?? []);
  const requested =
    opts.featureColumns.length > 0 ? opts.featureColumns : header.filter((h) => h !== opts.targetColumn);
  const featureNames = requested.filter((h) => !exclude.has(h));
  if (featureNames.includes(opts.targetColumn)) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: target column '${opts.targetColumn}' is also listed as a feature; remove it from the features`,
      { file: shown, column: opts.targetColumn },
    );
  }
  if (featureNames.length === 0) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: no feature columns left after exclusions; list at least one feature`,
      {
        file: shown,
      },
    );
  }
  for (const name of [...featureNames, opts.targetColumn]) {
    if (!header.includes(name)) throw missingColumn(shown, name, header);
  }
  return featureNames;
}

/** Header indices of `names`, or undefined when one is missing (the slow path then reports it). */
function indicesOf(header: string[], names: string[]): number[] | undefined {
  const out = names.map((name) => header.indexOf(name));
  return out.includes(-1) ? undefined : out;
}

/**
 * Plain files (no quotes, LF or CRLF) take a streaming byte-level path (csv-fast.ts); anything
 * else, and any argument error, goes through csv-parse. Both give the same values and errors.
 */
export function loadCsvDataset(file: string, opts: LoadCsvDatasetOptions): Dataset {
  const shown = opts.displayPath ?? file;
  let featureNames: string[] = [];
  const fast = readCsvColumnsFast(file, shown, (header) => {
    try {
      featureNames = datasetFeatures(header, opts, shown);
    } catch {
      return undefined;
    }
    return indicesOf(header, [...featureNames, opts.targetColumn]);
  });
  if (fast) {
    const target = fast.columns[featureNames.length];
    return {
      file,
      featureNames,
      columns: fast.columns.slice(0, featureNames.length),
      targetName: opts.targetColumn,
      target,
      nRows: fast.nRows,
    };
  }
  const raw = readRawCsv(file, shown);
  const index = new Map(raw.header.map((h, i) => [h, i]));
  featureNames = datasetFeatures(raw.header, opts, shown);
  const columns = featureNames.map((name) => numericColumn(raw, index.get(name)!, shown));
  const target = numericColumn(raw, index.get(opts.targetColumn)!, shown);
  return { file, featureNames, columns, targetName: opts.targetColumn, target, nRows: raw.rows.length };
}

export function loadCsvTable(file: string, opts: LoadCsvTableOptions = {}): CsvTable {
  const shown = opts.displayPath ?? file;
  // The byte-level fast path reads numbers only; text columns (predict's Id) go through csv-parse.
  const fast = opts.textColumns?.length
    ? null
    : readCsvColumnsFast(file, shown, (header) => indicesOf(header, opts.columns ?? header));
  if (fast) {
    const wanted = opts.columns ?? fast.header;
    const columns: Record<string, Float64Array> = {};
    wanted.forEach((name, s) => (columns[name] = fast.columns[s]));
    return { columns, text: {}, nRows: fast.nRows, header: fast.header };
  }
  const raw = readRawCsv(file, shown);
  const index = new Map(raw.header.map((h, i) => [h, i]));
  const wanted = opts.columns ?? raw.header;
  const columns: Record<string, Float64Array> = {};
  for (const name of wanted) {
    const i = index.get(name);
    if (i === undefined) throw missingColumn(shown, name, raw.header);
    columns[name] = numericColumn(raw, i, shown);
  }
  const text: Record<string, string[]> = {};
  for (const name of opts.textColumns ?? []) {
    const i = index.get(name);
    if (i !== undefined) text[name] = raw.rows.map((row) => row[i].trim());
  }
  return { columns, text, nRows: raw.rows.length, header: raw.header };
}

export function takeRows(ds: Dataset, idx: ArrayLike<number>): Dataset {
  const n = idx.length;
  for (let i = 0; i < n; i++) {
    const r = idx[i];
    if (!Number.isInteger(r) || r < 0 || r >= ds.nRows) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `takeRows: index ${r} at position ${i} is outside 0..${ds.nRows - 1}`,
        {
          file: ds.file,
        },
      );
    }
  }
  const pick = (col: Float64Array): Float64Array => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = col[idx[i]];
    return out;
  };
  return {
    file: ds.file,
    featureNames: ds.featureNames.slice(),
    columns: ds.columns.map(pick),
    targetName: ds.targetName,
    target: pick(ds.target),
    nRows: n,
  };
}
