import { csvCellTable, DEFAULT_NA_VALUES, readRawCsv, type CellTable } from './csv-dataset';
import { type BadCell, NUMBER_RE } from './csv-fast';
import { tableFormatOf, type TableFormat } from './load-dataset';
import { readParquetCells } from './parquet';

export interface InferredColumn {
  name: string;
  /** numeric: every non-missing cell is a number (and there is one); text otherwise */
  kind: 'numeric' | 'text';
  /** distinct non-missing values (numbers compared as numbers) */
  distinct: number;
  /** missing cells (naValues, or null in Parquet) */
  missing: number;
  /** a text column whose other cells are numbers: its first non-number, likely a typo */
  firstText?: BadCell;
}

export interface TableInference {
  format: TableFormat;
  /** null for Parquet */
  delimiter: string | null;
  nRows: number;
  columns: InferredColumn[];
  targetGuess: string | null;
}

export interface InferTableOptions {
  format?: TableFormat;
  delimiter?: string;
  naValues?: string[];
  displayPath?: string;
}

const TARGET_NAMES = new Set(['target', 'label', 'class', 'quality', 'species', 'y']);
const ID_NAMES = new Set(['id', 'index']);

/** A numeric column that is a row number rather than a feature. */
export function isIdColumn(name: string): boolean {
  return ID_NAMES.has(name.toLowerCase());
}

/** Column kinds, distinct and missing counts, and a target guess: what the dataset generator writes. */
export async function inferTable(file: string, opts: InferTableOptions = {}): Promise<TableInference> {
  const shown = opts.displayPath ?? file;
  const format = tableFormatOf(file, opts.format, shown);
  let table: CellTable;
  let delimiter: string | null = null;
  if (format === 'csv') {
    const raw = readRawCsv(file, shown, opts.delimiter);
    delimiter = raw.delimiter;
    table = csvCellTable(raw);
  } else {
    table = await readParquetCells(file, shown);
  }
  const naSet = new Set(opts.naValues ?? DEFAULT_NA_VALUES);
  const columns = table.header.map((name, i) => inferColumn(name, table.column(i), table.lines, naSet));
  return { format, delimiter, nRows: table.nRows, columns, targetGuess: guessTarget(columns, table.nRows) };
}

function inferColumn(
  name: string,
  cells: ArrayLike<string | null>,
  lines: ArrayLike<number> | undefined,
  naSet: Set<string>,
): InferredColumn {
  let missing = 0;
  let numbers = 0;
  let firstText: BadCell | undefined;
  const numeric = new Set<number>();
  const text = new Set<string>();
  for (let r = 0; r < cells.length; r++) {
    const cell = cells[r];
    const trimmed = cell === null ? '' : cell.trim();
    if (cell === null || naSet.has(trimmed)) {
      missing++;
    } else if (NUMBER_RE.test(trimmed)) {
      numbers++;
      numeric.add(Number(trimmed));
      text.add(trimmed);
    } else {
      firstText ??= { row: r + 1, line: lines?.[r], text: cell };
      text.add(trimmed);
    }
  }
  const kind = numbers > 0 && !firstText ? 'numeric' : 'text';
  const out: InferredColumn = {
    name,
    kind,
    distinct: kind === 'numeric' ? numeric.size : text.size,
    missing,
  };
  if (numbers > 0 && firstText) out.firstText = firstText;
  return out;
}

/**
 * A column named like a target (target, label, class, quality, species, y); else the last column
 * with few distinct values (<= 20, or <= 5% of the rows) that is not an id; else null.
 */
export function guessTarget(columns: InferredColumn[], nRows: number): string | null {
  const named = columns.find((c) => TARGET_NAMES.has(c.name.toLowerCase()));
  if (named) return named.name;
  for (let i = columns.length - 1; i >= 0; i--) {
    const c = columns[i];
    if (isIdColumn(c.name) || c.distinct < 2 || c.distinct >= nRows) continue;
    if (c.distinct <= 20 || c.distinct <= nRows * 0.05) return c.name;
  }
  return null;
}
