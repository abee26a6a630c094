import * as fs from 'node:fs';
// hyparquet (1.33.0, Nov 2026): pure JS, no dependencies, no install script, ~0.5 MB; snappy is
// built in and hyparquet-compressors adds gzip, zstd, brotli and lz4 (pure JS plus a small inline
// WASM snappy). The parquetjs forks pull thrift, bson, WASM modules and the AWS SDK; parquet-wasm
// is a large Rust/Arrow WASM binary that hands back Arrow IPC, which needs apache-arrow to read.
import { errorMessage } from '@cellar/config';
import { checkHeader, noRowsError, type CellTable } from './csv-dataset';
import { DataError } from './data-error';

/** A Parquet value as the CSV loader would have read it: numbers as text, null for no value. */
function cellOf(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isNaN(v) ? null : String(v); // pandas writes NaN for missing floats
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  if (v instanceof Date) return v.toISOString();
  return JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? String(x) : x));
}

/**
 * A column stored as numbers, NaN where there is no value; undefined when any value is not a
 * number. Same doubles as String() then Number(), which is what the CSV rules would do.
 */
function numbersOf(raw: unknown[] | undefined): Float64Array | undefined {
  if (!raw) return undefined;
  const out = new Float64Array(raw.length);
  for (let r = 0; r < raw.length; r++) {
    const v = raw[r];
    if (typeof v === 'number') out[r] = v;
    else if (typeof v === 'bigint') out[r] = Number(v);
    else if (v === null || v === undefined) out[r] = NaN;
    else return undefined;
  }
  return out;
}

/**
 * Reads the top-level columns of a Parquet file as cells, so the CSV rules (numeric or text
 * columns, labels, missing values) apply unchanged. pandas' `__index_level_N__` columns are skipped.
 */
export async function readParquetCells(
  file: string,
  shown: string,
  /** the columns to decode (the others stay undecoded and read as empty); default all */
  want?: (header: string[]) => string[],
): Promise<CellTable> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      'FILE_NOT_FOUND',
      code === 'ENOENT'
        ? `${shown}: file not found; run 'cellar data pull' or check the path`
        : `${shown}: cannot read file (${errorMessage(err)})`,
      { file: shown, cause: err },
    );
  }
  // loaded on first use: CSV-only commands do not pay for the Parquet reader
  const { parquetMetadata, parquetRead, parquetSchema } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    const metadata = parquetMetadata(buffer);
    const header = parquetSchema(metadata)
      .children.map((c) => c.element.name)
      .filter((name) => !/^__index_level_\d+__$/.test(name));
    checkHeader(header, shown);
    const nRows = Number(metadata.num_rows);
    if (header.length === 0) {
      throw new DataError('EMPTY_FILE', `${shown}: Parquet file has no columns; re-create the file`, {
        file: shown,
      });
    }
    if (nRows === 0) throw noRowsError(shown);
    const wanted = [...new Set(want ? want(header).filter((n) => header.includes(n)) : header)];
    const decoded = new Map<string, unknown[]>(wanted.map((name) => [name, new Array(nRows)]));
    await parquetRead({
      file: buffer,
      metadata,
      columns: wanted,
      compressors,
      onChunk: ({ columnName, columnData, rowStart }) => {
        const out = decoded.get(columnName);
        if (!out) return;
        const n = Math.min(columnData.length, nRows - rowStart);
        for (let k = 0; k < n; k++) out[rowStart + k] = columnData[k];
      },
    });
    const cells = new Map<string, (string | null)[]>();
    const none: null[] = new Array(nRows).fill(null);
    return {
      header,
      nRows,
      column: (i) => {
        const raw = decoded.get(header[i]);
        if (!raw) return none;
        let out = cells.get(header[i]);
        if (!out) cells.set(header[i], (out = Array.from(raw, cellOf)));
        return out;
      },
      numbers: (i) => numbersOf(decoded.get(header[i])),
    };
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(
      'INVALID_PARQUET',
      `${shown}: invalid Parquet file (${errorMessage(err)}); re-create it or check the format`,
      { file: shown, cause: err },
    );
  }
}
