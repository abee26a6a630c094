import * as fs from 'node:fs';
import { parse } from 'csv-parse/sync';
import { errorMessage } from '@cellar/config';
import {
  type BadCell,
  badCellError,
  cellPlace,
  NUMBER_RE,
  readCsvColumnsFast,
  type SlotScan,
} from './csv-fast';
import { DataError } from './data-error';
import { checkDelimiter, detectDelimiter, showDelimiter } from './delimiter';

export interface Dataset {
  file: string;
  featureNames: string[];
  /** One Float64Array per feature, column-major, each nRows long. */
  columns: Float64Array[];
  targetName: string;
  /** The target's numbers, or for a text target the index of each row's label in classNames. */
  target: Float64Array;
  nRows: number;
  /** Only for a text target: its distinct labels in code point order (as numpy's np.unique sorts). */
  classNames?: string[];
  /** The `keepColumns`, as written (trimmed), row for row with the features. */
  kept?: Record<string, string[]>;
  /** Only with `missing: 'drop'`: rows left out because a used cell was missing. */
  droppedRows?: number;
}

export type MissingPolicy = 'error' | 'drop';

export interface LoadCsvDatasetOptions {
  /** Empty means "every numeric column but the target and the excluded ones"; text columns are then skipped. */
  featureColumns: string[];
  targetColumn: string;
  /** Dropped from the features; an empty featureColumns means "every column but the target and these". */
  excludeColumns?: string[];
  /** Shown in error messages instead of `file`, e.g. `data/external/WineQT.csv`. */
  displayPath?: string;
  /** One character; default detected from the header line among , ; tab | */
  delimiter?: string;
  /** Cells (trimmed) that are missing values; default ['', 'NA']. */
  naValues?: string[];
  /** A missing value in a feature or the target: an error (default) or the row is dropped. */
  missing?: MissingPolicy;
  /** Columns returned as raw strings in `kept` (a group or time column for a split). */
  keepColumns?: string[];
}

export const DEFAULT_NA_VALUES: readonly string[] = ['', 'NA'];

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
  /** One character; default detected from the header line among , ; tab | */
  delimiter?: string;
}

/** Cells by row as csv-parse gives them; `lines[r]` is the file line of data row r. */
export interface RawCsv {
  header: string[];
  rows: string[][];
  lines: number[];
  delimiter: string;
}

function readText(file: string, shown: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
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
}

/** The first non-empty line, BOM stripped: what the delimiter is detected from. */
function firstLine(text: string): string {
  const start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (const line of text.slice(start, start + (1 << 20)).split(/\r\n|\n|\r/)) {
    if (line !== '') return line;
  }
  return '';
}

export function readRawCsv(file: string, shown: string, delimiter?: string): RawCsv {
  const text = readText(file, shown);
  const delim = delimiter === undefined ? detectDelimiter(firstLine(text)) : checkDelimiter(delimiter, shown);
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      delimiter: delim,
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
    }) as unknown as typeof records;
  } catch (err) {
    const line = (err as { lines?: number }).lines;
    const where = line === undefined ? '' : ` line ${line}:`;
    throw new DataError(
      'INVALID_CSV',
      `${shown}:${where} invalid CSV (${errorMessage(err)}, delimiter ${showDelimiter(delim)}); fix the file or set the delimiter`,
      {
        file: shown,
        cause: err,
      },
    );
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
  checkHeader(header, shown);
  if (records.length === 1) throw noRowsError(shown);
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
  return { header, rows, lines, delimiter: delim };
}

export function checkHeader(header: string[], shown: string): void {
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
}

export function noRowsError(shown: string): DataError {
  return new DataError('NO_ROWS', `${shown}: has a header but no data rows; add rows or re-pull the file`, {
    file: shown,
  });
}

export function missingColumn(shown: string, name: string, header: string[]): DataError {
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

/** Header indices of `names`, or undefined when one is missing (the slow path then reports it). */
function indicesOf(header: string[], names: string[]): number[] | undefined {
  const out = names.map((name) => header.indexOf(name));
  return out.includes(-1) ? undefined : out;
}

/** Cells of one column from any source: a string per row, null where the source itself has no value. */
export interface CellTable {
  header: string[];
  nRows: number;
  column(index: number): ArrayLike<string | null>;
  /** file line of each data row, for messages; absent for Parquet */
  lines?: ArrayLike<number>;
  /** a column the source stores as numbers (NaN: no value), read without going through text */
  numbers?(index: number): Float64Array | undefined;
}

export function csvCellTable(raw: RawCsv): CellTable {
  return {
    header: raw.header,
    nRows: raw.rows.length,
    column: (i) => raw.rows.map((row) => row[i]),
    lines: raw.lines,
  };
}

/**
 * Plain files (no quotes in data rows, LF or CRLF) take a streaming byte-level path (csv-fast.ts);
 * anything else, a text target, and any argument error go through csv-parse. Both give the same
 * values and errors.
 */
export function loadCsvDataset(file: string, opts: LoadCsvDatasetOptions): Dataset {
  const shown = opts.displayPath ?? file;
  if (opts.delimiter !== undefined) checkDelimiter(opts.delimiter, shown);
  let plan: DatasetPlan | undefined;
  const fast = readCsvColumnsFast(
    file,
    shown,
    (header) => {
      try {
        plan = planDataset(header, opts, shown);
      } catch {
        return undefined;
      }
      return indicesOf(header, [...plan.candidates, opts.targetColumn]);
    },
    {
      delimiter: opts.delimiter,
      naValues: opts.naValues ?? [...DEFAULT_NA_VALUES],
      collect: true,
      textPick: (header) => indicesOf(header, opts.keepColumns ?? []),
      // a text target needs its strings: csv-parse reads those files
      abortOnBad: () => [plan!.candidates.length],
    },
  );
  if (fast && plan) {
    const slots = new Map<string, ScannedColumn>();
    [...plan.candidates, opts.targetColumn].forEach((name, s) =>
      slots.set(name, { values: fast.columns[s], scan: fast.scans[s] }),
    );
    const kept: Record<string, string[]> = {};
    (opts.keepColumns ?? []).forEach((name, t) => (kept[name] = fast.text[t]));
    return finishDataset(file, shown, opts, plan, slots, kept, fast.nRows);
  }
  return datasetFromCells(file, csvCellTable(readRawCsv(file, shown, opts.delimiter)), opts);
}

/** The generic path over string cells: csv-parse's output or a Parquet file's columns. */
export function datasetFromCells(file: string, table: CellTable, opts: LoadCsvDatasetOptions): Dataset {
  const shown = opts.displayPath ?? file;
  const plan = planDataset(table.header, opts, shown);
  const naSet = new Set(opts.naValues ?? DEFAULT_NA_VALUES);
  const index = new Map(table.header.map((h, i) => [h, i]));
  const slots = new Map<string, ScannedColumn>();
  for (const name of [...plan.candidates, opts.targetColumn]) {
    const i = index.get(name)!;
    const numbers = table.numbers?.(i);
    slots.set(
      name,
      numbers
        ? scanNumbers(numbers)
        : scanCells(table.column(i), table.lines, naSet, name === opts.targetColumn),
    );
  }
  const kept: Record<string, string[]> = {};
  for (const name of opts.keepColumns ?? []) {
    kept[name] = Array.from(table.column(index.get(name)!), (c) => (c === null ? '' : c.trim()));
  }
  return finishDataset(file, shown, opts, plan, slots, kept, table.nRows);
}

interface ScannedColumn {
  values: Float64Array;
  scan: SlotScan;
  /** trimmed cells, for a target that turns out to be text */
  text?: string[];
}

/** A column already held as numbers: NaN marks a missing cell, none is bad. */
function scanNumbers(values: Float64Array): ScannedColumn {
  const scan: SlotScan = { badCount: 0, missing: [] };
  for (let r = 0; r < values.length; r++) {
    if (Number.isNaN(values[r])) {
      scan.missing.push(r);
      scan.firstMissing ??= { row: r + 1, text: '' };
    }
  }
  return { values, scan };
}

function scanCells(
  cells: ArrayLike<string | null>,
  lines: ArrayLike<number> | undefined,
  naSet: Set<string>,
  keepText: boolean,
): ScannedColumn {
  const n = cells.length;
  const values = new Float64Array(n);
  const scan: SlotScan = { badCount: 0, missing: [] };
  const text: string[] | undefined = keepText ? new Array(n) : undefined;
  for (let r = 0; r < n; r++) {
    const cell = cells[r];
    const trimmed = cell === null ? '' : cell.trim();
    if (text) text[r] = trimmed;
    const at = () => ({ row: r + 1, line: lines?.[r], text: cell ?? '' });
    if (cell === null || naSet.has(trimmed)) {
      values[r] = NaN;
      scan.missing.push(r);
      scan.firstMissing ??= at();
    } else if (NUMBER_RE.test(cell)) {
      values[r] = Number(cell);
    } else {
      values[r] = NaN;
      scan.badCount++;
      scan.firstBad ??= at();
    }
  }
  return { values, scan, text };
}

export interface DatasetPlan {
  /** explicit features, or with `auto` every column that may be one */
  candidates: string[];
  auto: boolean;
}

/** Checks the options against the header; throws the loader's argument errors. */
export function planDataset(header: string[], opts: LoadCsvDatasetOptions, shown: string): DatasetPlan {
  const exclude = new Set(opts.excludeColumns ?? []);
  const auto = opts.featureColumns.length === 0;
  const requested = auto ? header.filter((h) => h !== opts.targetColumn) : opts.featureColumns;
  const candidates = requested.filter((h) => !exclude.has(h));
  if (candidates.includes(opts.targetColumn)) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: target column '${opts.targetColumn}' is also listed as a feature; remove it from the features`,
      { file: shown, column: opts.targetColumn },
    );
  }
  if (candidates.length === 0) throw noFeaturesError(shown);
  for (const name of [...candidates, opts.targetColumn, ...(opts.keepColumns ?? [])]) {
    if (!header.includes(name)) throw missingColumn(shown, name, header);
  }
  if (opts.missing !== undefined && opts.missing !== 'error' && opts.missing !== 'drop') {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: missing must be 'error' or 'drop' (got '${String(opts.missing)}')`,
      { file: shown, key: 'missing' },
    );
  }
  return { candidates, auto };
}

function noFeaturesError(shown: string): DataError {
  return new DataError(
    'INVALID_ARGUMENT',
    `${shown}: no feature columns left after exclusions; list at least one feature`,
    {
      file: shown,
    },
  );
}

function missingCellError(shown: string, name: string, cell: BadCell): DataError {
  if (cell.text.trim() === '') return badCellError(shown, name, cell);
  return new DataError(
    'MISSING_VALUE',
    `${cellPlace(shown, name, cell)} is missing ('${cell.text.trim()}'); fill it in or set missing: drop`,
    { file: shown, row: cell.row, column: name },
  );
}

/** Column kinds, missing-value policy, labels: the same for every source. */
function finishDataset(
  file: string,
  shown: string,
  opts: LoadCsvDatasetOptions,
  plan: DatasetPlan,
  slots: Map<string, ScannedColumn>,
  kept: Record<string, string[]>,
  nRows: number,
): Dataset {
  const drop = opts.missing === 'drop';
  const featureNames: string[] = [];
  for (const name of plan.candidates) {
    const { scan } = slots.get(name)!;
    const numbers = nRows - scan.missing.length - scan.badCount;
    if (plan.auto && numbers === 0) continue; // a text column (or an empty one): not a feature
    if (plan.auto && scan.firstBad) {
      throw new DataError(
        'NOT_A_NUMBER',
        `${cellPlace(shown, name, scan.firstBad)}: '${scan.firstBad.text}' is not a number, but ${numbers} other cells of the column are; fix the cell or exclude the column`,
        { file: shown, row: scan.firstBad.row, column: name },
      );
    }
    firstProblem(shown, name, scan, drop);
    featureNames.push(name);
  }
  if (featureNames.length === 0) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: no numeric feature columns (columns: ${plan.candidates.join(', ')}); list the features or fix the file`,
      { file: shown },
    );
  }
  const target = slots.get(opts.targetColumn)!;
  const textTarget = target.scan.badCount > 0;
  const targetNumbers = nRows - target.scan.missing.length - target.scan.badCount;
  if (textTarget && targetNumbers > target.scan.badCount) {
    // mostly numbers: a typo, not a text label (a typo must never become a class of its own)
    const bad = target.scan.firstBad!;
    throw new DataError(
      'NOT_A_NUMBER',
      `${cellPlace(shown, opts.targetColumn, bad)}: '${bad.text}' is not a number, but ${targetNumbers} other labels are; fix the cell (text labels must all be text)`,
      { file: shown, row: bad.row, column: opts.targetColumn },
    );
  }
  if (!textTarget) firstProblem(shown, opts.targetColumn, target.scan, drop);
  else if (!drop && target.scan.firstMissing)
    throw missingCellError(shown, opts.targetColumn, target.scan.firstMissing);

  // rows to drop: a missing cell in a feature or the target
  let keep: Uint8Array | undefined;
  let dropped = 0;
  if (drop) {
    for (const name of [...featureNames, opts.targetColumn]) {
      for (const r of slots.get(name)!.scan.missing) {
        keep ??= new Uint8Array(nRows).fill(1);
        if (keep[r]) {
          keep[r] = 0;
          dropped++;
        }
      }
    }
    if (dropped === nRows) {
      throw new DataError(
        'NO_ROWS',
        `${shown}: every row has a missing value in a feature or the target; fill them in or choose other columns`,
        { file: shown },
      );
    }
  }
  const n = nRows - dropped;
  const pick = <T extends Float64Array | string[]>(col: T): T => {
    if (!keep) return col;
    const out = (Array.isArray(col) ? new Array(n) : new Float64Array(n)) as T;
    for (let r = 0, j = 0; r < nRows; r++) if (keep[r]) out[j++] = col[r];
    return out;
  };
  const ds: Dataset = {
    file,
    featureNames,
    columns: featureNames.map((name) => pick(slots.get(name)!.values)),
    targetName: opts.targetColumn,
    target: pick(target.values),
    nRows: n,
  };
  if (textTarget) {
    const labels = pick(target.text!);
    const classNames = uniqueSorted(labels);
    const index = new Map(classNames.map((c, i) => [c, i]));
    ds.target = Float64Array.from(labels, (l) => index.get(l)!);
    ds.classNames = classNames;
  }
  if (opts.keepColumns) ds.kept = Object.fromEntries(Object.entries(kept).map(([k, v]) => [k, pick(v)]));
  if (drop) ds.droppedRows = dropped;
  return ds;
}

/** Throws for the first bad cell of a numeric column, or its first missing one unless dropping. */
function firstProblem(shown: string, name: string, scan: SlotScan, drop: boolean): void {
  const missing = drop ? undefined : scan.firstMissing;
  if (missing && (!scan.firstBad || missing.row < scan.firstBad.row))
    throw missingCellError(shown, name, missing);
  if (scan.firstBad) throw badCellError(shown, name, scan.firstBad);
}

/** Code point order, as numpy sorts strings; JS's default compares UTF-16 units. */
export function compareCodePoints(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareCodePoints);
}

export function loadCsvTable(file: string, opts: LoadCsvTableOptions = {}): CsvTable {
  const shown = opts.displayPath ?? file;
  // The byte-level fast path reads numbers only; text columns (predict's Id) go through csv-parse.
  if (opts.delimiter !== undefined) checkDelimiter(opts.delimiter, shown);
  const fast = opts.textColumns?.length
    ? null
    : readCsvColumnsFast(file, shown, (header) => indicesOf(header, opts.columns ?? header), {
        delimiter: opts.delimiter,
      });
  if (fast) {
    const wanted = opts.columns ?? fast.header;
    const columns: Record<string, Float64Array> = {};
    wanted.forEach((name, s) => (columns[name] = fast.columns[s]));
    return { columns, text: {}, nRows: fast.nRows, header: fast.header };
  }
  const raw = readRawCsv(file, shown, opts.delimiter);
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
  const out: Dataset = {
    file: ds.file,
    featureNames: ds.featureNames.slice(),
    columns: ds.columns.map(pick),
    targetName: ds.targetName,
    target: pick(ds.target),
    nRows: n,
  };
  if (ds.classNames) out.classNames = ds.classNames.slice();
  if (ds.kept) {
    out.kept = Object.fromEntries(
      Object.entries(ds.kept).map(([k, v]) => [k, Array.from({ length: n }, (_, i) => v[idx[i]])]),
    );
  }
  if (ds.droppedRows !== undefined) out.droppedRows = ds.droppedRows;
  return out;
}
