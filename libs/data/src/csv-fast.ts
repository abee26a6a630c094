import * as fs from 'node:fs';
import { DataError } from './data-error';
import { detectDelimiter, splitHeaderLine } from './delimiter';

// Streaming numeric reader for plain CSV: bytes straight to Float64Array columns, no string per
// cell. It handles the common case (no quotes, LF or CRLF endings, unquoted numbers) and returns
// undefined on anything else so that the csv-parse loader, which defines the behaviour, runs
// instead. Cells it cannot read as a simple number go through the same regex and Number() as
// that loader, so both give the same doubles and the same errors.

export const NUMBER_RE = /^\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

export interface FastColumns {
  header: string[];
  delimiter: string;
  /** one column per picked header index, in pick order; NaN where a cell is missing or bad */
  columns: Float64Array[];
  nRows: number;
  /** with `collect`: what each picked column held besides numbers */
  scans: SlotScan[];
  /** one array of trimmed strings per `textPick` index, in that order */
  text: string[][];
}

export interface SlotScan {
  /** cells that are neither numbers nor missing */
  badCount: number;
  firstBad?: BadCell;
  /** 0-based rows whose cell is one of the missing values, ascending */
  missing: number[];
  firstMissing?: BadCell;
}

export interface FastOptions {
  chunkSize?: number;
  /** undefined: detected from the header line */
  delimiter?: string;
  /** cells (trimmed) that count as missing rather than bad; default none */
  naValues?: string[];
  /** return bad and missing cells in `scans` instead of throwing on the first one */
  collect?: boolean;
  /** header indices read as trimmed strings (kept columns) */
  textPick?: (header: string[]) => number[] | undefined;
  /** picked slots whose first bad cell ends the scan (a text target: csv-parse reads it instead) */
  abortOnBad?: (header: string[]) => number[];
}

const CHUNK = 1 << 22;
const LF = 10;
const CR = 13;
const QUOTE = 34;
const SPACE = 32;
const TAB = 9;
const PLUS = 43;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const NINE = 57;
const LOWER_E = 101;
const UPPER_E = 69;
// 10^0..10^22 are exact doubles, so m * 10^e and m / 10^e round correctly for m < 2^53
const POW10 = Float64Array.from({ length: 23 }, (_, e) => Number(`1e${e}`));
// digits counted with leading zeros: simpler, and longer numbers just take the Number() path
const MAX_DIGITS = 15;

/** Thrown inside the scan to give up and let the csv-parse loader run. */
class Fallback {}

export interface BadCell {
  /** 1-based data row */
  row: number;
  /** file line; undefined for formats without lines (Parquet) */
  line?: number;
  text: string;
}

export function cellPlace(shown: string, name: string, bad: BadCell): string {
  const line = bad.line === undefined ? '' : ` (line ${bad.line})`;
  return `${shown}: row ${bad.row}${line}, column '${name}'`;
}

export function badCellError(shown: string, name: string, bad: BadCell): DataError {
  const where = cellPlace(shown, name, bad);
  const details = { file: shown, row: bad.row, column: name };
  if (bad.text.trim() === '') {
    return new DataError('EMPTY_CELL', `${where} is empty; fill it in or drop the row`, details);
  }
  return new DataError('NOT_A_NUMBER', `${where}: '${bad.text}' is not a number`, details);
}

/**
 * Reads the header, asks `pick` which header indices to parse (undefined: let the slow loader
 * report the problem), then parses those columns. Throws DataError for ragged rows and for bad
 * cells with the same precedence and wording as the csv-parse loader; returns undefined when the
 * file needs that loader (quotes, CR-only or mixed line endings, unreadable, no data rows, ...).
 */
export function readCsvColumnsFast(
  file: string,
  shown: string,
  pick: (header: string[]) => number[] | undefined,
  opts: FastOptions = {},
): FastColumns | undefined {
  // a missing-value marker that looks like a number would be read as that number here
  if (opts.naValues?.some((na) => NUMBER_RE.test(na))) return undefined;
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return undefined;
  }
  try {
    return scan(fd, shown, pick, opts);
  } catch (err) {
    if (err instanceof Fallback) return undefined;
    throw err;
  } finally {
    fs.closeSync(fd);
  }
}

function scan(
  fd: number,
  shown: string,
  pick: (header: string[]) => number[] | undefined,
  opts: FastOptions,
): FastColumns | undefined {
  const chunk = opts.chunkSize ?? CHUNK;
  const size = fs.fstatSync(fd).size;
  // chunks below 64 KiB only in tests, to split numbers across reads
  let buf = Buffer.allocUnsafe(Math.max(Math.min(chunk, 1 << 16), Math.min(chunk, size + 1)));
  let len = 0;
  let eof = false;
  /** Moves buf[from..len) to the front and reads more; grows the buffer if it is full. */
  const refill = (from: number): void => {
    buf.copy(buf, 0, from, len);
    len -= from;
    if (len === buf.length) {
      const bigger = Buffer.allocUnsafe(buf.length * 2);
      buf.copy(bigger, 0, 0, len);
      buf = bigger;
    }
    const got = fs.readSync(fd, buf, len, buf.length - len, null);
    if (got === 0) eof = true;
    len += got;
  };

  // header: the first non-empty line, BOM stripped
  refill(0);
  let p = 0;
  if (len >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) p = 3;
  let line = 0;
  let headerEnd = -1;
  const view = () => buf.subarray(0, len);
  for (;;) {
    let nl = view().indexOf(LF, p);
    while (nl < 0 && !eof) {
      refill(p);
      p = 0;
      nl = view().indexOf(LF, p);
    }
    if (nl < 0) throw new Fallback(); // one line only, or CR-only endings
    line++;
    if (nl === p || (nl === p + 1 && buf[p] === CR)) {
      p = nl + 1;
      continue;
    }
    headerEnd = nl;
    break;
  }
  const crlf = buf[headerEnd - 1] === CR;
  const headerBytes = buf.subarray(p, crlf ? headerEnd - 1 : headerEnd);
  if (headerBytes.includes(CR)) throw new Fallback();
  // a quoted header is fine (UCI files quote theirs); quotes in data rows go to csv-parse
  const headerText = headerBytes.toString('utf8');
  const delimiter = opts.delimiter ?? detectDelimiter(headerText);
  const DELIM = delimiter.charCodeAt(0);
  if (delimiter.length !== 1 || DELIM > 127 || DELIM === QUOTE) throw new Fallback();
  // blanks around numbers are skipped, except the delimiter itself
  const BLANK = DELIM === TAB ? SPACE : TAB;
  const header = splitHeaderLine(headerText, delimiter);
  if (!header || new Set(header).size !== header.length) throw new Fallback();
  const picked = pick(header);
  if (!picked || new Set(picked).size !== picked.length) throw new Fallback();
  const textPicked = opts.textPick ? opts.textPick(header) : [];
  if (!textPicked) throw new Fallback();
  const nFields = header.length;
  const slotOf = new Int32Array(nFields).fill(-1);
  picked.forEach((h, s) => (slotOf[h] = s));
  const textOf = new Int32Array(nFields).fill(-1);
  textPicked.forEach((h, t) => (textOf[h] = t));
  // a kept column may also be a picked one (a feature candidate): its text is taken as it is parsed
  const slotText = Int32Array.from(picked, (h) => textOf[h]);
  const texts: string[][] = textPicked.map(() => []);
  const abort = new Uint8Array(picked.length);
  for (const s of opts.abortOnBad?.(header) ?? []) abort[s] = 1;
  const naSet = new Set(opts.naValues ?? []);
  p = headerEnd + 1;

  // row capacity from the bytes per line seen so far; grown by half when short
  let sampleLines = 0;
  let sampleEnd = p;
  for (let q = view().indexOf(LF, p); q >= 0 && sampleLines < 4096; q = view().indexOf(LF, q + 1)) {
    sampleLines++;
    sampleEnd = q + 1;
  }
  const perLine = sampleLines > 0 ? Math.max(1, (sampleEnd - p) / sampleLines) : 64;
  let capacity = Math.ceil(((size - p) / perLine) * 1.02) + 1024;
  let columns = picked.map(() => new Float64Array(capacity));
  const scans: SlotScan[] = picked.map(() => ({ badCount: 0, missing: [] }));
  let rows = 0;
  let lines = line;
  let ragged: { row: number; line: number; fields: number } | undefined;

  /** A cell the fast grammar did not take: same test and conversion as the csv-parse loader. */
  const slowCell = (buf: Buffer, start: number, slot: number, row: number, line: number): number => {
    let q = start;
    for (;;) {
      const b = buf[q];
      if (b === DELIM || b === LF) break;
      if (b === CR && crlf && buf[q + 1] === LF) break;
      if (b === QUOTE || b === CR) throw new Fallback();
      q++;
    }
    const text = buf.toString('utf8', start, q);
    let v = NaN;
    if (NUMBER_RE.test(text)) v = Number(text);
    else {
      const sc = scans[slot];
      if (naSet.has(text.trim())) {
        sc.missing.push(row);
        sc.firstMissing ??= { row: row + 1, line, text };
      } else {
        if (abort[slot]) throw new Fallback();
        sc.badCount++;
        sc.firstBad ??= { row: row + 1, line, text };
      }
    }
    columns[slot][row] = v;
    return q;
  };

  /** Parses complete lines in buf[p..end), end just past a LF. */
  const parseLines = (buf: Buffer, p: number, end: number): number => {
    let row = rows;
    let line = lines;
    let cols = columns;
    while (p < end) {
      line++;
      let b = buf[p];
      if (b === LF || b === CR) {
        // an empty line, skipped like csv-parse's skip_empty_lines
        if (b === CR ? !(crlf && buf[p + 1] === LF) : crlf) throw new Fallback();
        p += b === CR ? 2 : 1;
        continue;
      }
      if (row === capacity) {
        capacity = Math.ceil(capacity * 1.5);
        columns = cols = cols.map((c) => {
          const grown = new Float64Array(capacity);
          grown.set(c);
          return grown;
        });
      }
      let field = 0;
      for (;;) {
        const slot = field < nFields ? slotOf[field] : -1;
        if (slot < 0) {
          const start = p;
          for (b = buf[p]; b !== DELIM && b !== LF && b !== CR; b = buf[++p]) {
            if (b === QUOTE) throw new Fallback();
          }
          const t = field < nFields ? textOf[field] : -1;
          if (t >= 0) texts[t][row] = buf.toString('utf8', start, p).trim();
        } else {
          const start = p;
          b = buf[p];
          while (b === SPACE || b === BLANK) b = buf[++p];
          let neg = false;
          if (b === MINUS) {
            neg = true;
            b = buf[++p];
          } else if (b === PLUS) {
            b = buf[++p];
          }
          let mant = 0;
          let digits = 0;
          let exp10 = 0;
          while (b >= ZERO && b <= NINE) {
            mant = mant * 10 + (b - ZERO);
            digits++;
            b = buf[++p];
          }
          if (b === DOT) {
            b = buf[++p];
            while (b >= ZERO && b <= NINE) {
              mant = mant * 10 + (b - ZERO);
              digits++;
              exp10--;
              b = buf[++p];
            }
          }
          let ok = digits > 0 && digits <= MAX_DIGITS;
          if (ok && (b === LOWER_E || b === UPPER_E)) {
            b = buf[++p];
            let eneg = false;
            if (b === MINUS) {
              eneg = true;
              b = buf[++p];
            } else if (b === PLUS) {
              b = buf[++p];
            }
            let e = 0;
            let eDigits = 0;
            while (b >= ZERO && b <= NINE && eDigits < 6) {
              e = e * 10 + (b - ZERO);
              eDigits++;
              b = buf[++p];
            }
            ok = eDigits > 0 && eDigits < 6;
            exp10 += eneg ? -e : e;
          }
          while (b === SPACE || b === BLANK) b = buf[++p];
          let v = 0;
          if (ok && mant !== 0) {
            if (exp10 === 0) v = mant;
            else if (exp10 > 0 && exp10 <= 22) v = mant * POW10[exp10];
            else if (exp10 < 0 && exp10 >= -22) v = mant / POW10[-exp10];
            else ok = false;
          }
          if (ok && (b === DELIM || b === LF || b === CR)) {
            cols[slot][row] = neg ? -v : v;
          } else {
            p = slowCell(buf, start, slot, row, line);
            b = buf[p];
          }
          const t = slotText[slot];
          if (t >= 0) texts[t][row] = buf.toString('utf8', start, p).trim();
        }
        field++;
        if (b === DELIM) {
          p++;
          continue;
        }
        if (b === CR) {
          if (!crlf || buf[p + 1] !== LF) throw new Fallback();
          p += 2;
        } else {
          if (crlf) throw new Fallback();
          p++;
        }
        break;
      }
      // the csv-parse loader reports the first ragged row only after the whole file parsed
      if (field !== nFields && ragged === undefined) ragged = { row: row + 1, line, fields: field };
      row++;
    }
    rows = row;
    lines = line;
    return p;
  };

  for (;;) {
    const lastLf = len > 0 ? view().lastIndexOf(LF) : -1;
    if (lastLf >= p) p = parseLines(buf, p, lastLf + 1);
    if (eof) break;
    refill(p);
    p = 0;
  }
  if (p < len) {
    // last line without a line ending
    if (len === buf.length) {
      refill(p);
      p = 0;
    }
    buf[len++] = LF;
    p = parseLines(buf, p, len);
  }
  const row = rows;
  if (row === 0) throw new Fallback();
  if (ragged) {
    throw new DataError(
      'RAGGED_ROW',
      `${shown}: row ${ragged.row} (line ${ragged.line}) has ${ragged.fields} fields, expected ${nFields} like the header; fix that line`,
      { file: shown, row: ragged.row },
    );
  }
  if (!opts.collect) {
    for (let s = 0; s < picked.length; s++) {
      const sc = scans[s];
      const first =
        sc.firstMissing && (!sc.firstBad || sc.firstMissing.row < sc.firstBad.row)
          ? sc.firstMissing
          : sc.firstBad;
      if (first) throw badCellError(shown, header[picked[s]], first);
    }
  }
  for (const t of texts) t.length = row;
  return {
    header,
    delimiter,
    // a view when the estimate was close: copying would double the peak memory for 2% of it
    columns: columns.map((c) => (c.length - row <= c.length / 16 ? c.subarray(0, row) : c.slice(0, row))),
    nRows: row,
    scans,
    text: texts,
  };
}
