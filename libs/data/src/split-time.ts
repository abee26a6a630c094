// Time split: train on the past, test on the latest rows. No randomness.
import { DataError } from './data-error';
import type { SplitIndices } from './split';
import { shuffleSplitSizes } from './split-common';

export interface TimeSplitOptions {
  /** A fraction of the rows in (0, 1) (ceil(testSize * n) rows) or a whole number of rows. */
  testSize: number;
  /** Names the data in messages, e.g. `data/external/sales.csv`. */
  displayPath?: string;
  /** The column the times come from, named in messages. */
  orderColumn?: string;
}

const NUMBER = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;
// ISO-8601 / RFC 3339: a date, optionally a time (T, t or a space), seconds, fraction, zone.
const ISO =
  /^(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(Z|z|[+-]\d{2}(?::?\d{2})?)?)?$/;

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/** [whole seconds since the epoch, fraction of a second], or undefined if not ISO-8601. */
function parseIso(text: string): [number, number] | undefined {
  const m = ISO.exec(text.trim());
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [h, mi, s] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59 || s > 59) return undefined;
  let offsetMinutes = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const [zh, zm] = [Number(digits.slice(0, 2)), Number(digits.slice(2) || 0)];
    if (zh > 23 || zm > 59) return undefined;
    offsetMinutes = (zone[0] === '-' ? -1 : 1) * (zh * 60 + zm);
  }
  const seconds = daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offsetMinutes * 60;
  return [seconds, m[7] === undefined ? 0 : Number(`0.${m[7]}`)];
}

/**
 * Sort keys for the rows: numbers (or numeric text) as they are, else ISO-8601 dates and
 * timestamps. A time without a zone is read as UTC, so the split never depends on the machine.
 */
function timeKeys(
  order: ArrayLike<string | number>,
  where: string,
  column: string,
): [Float64Array, Float64Array] {
  const n = order.length;
  const whole = new Float64Array(n);
  const frac = new Float64Array(n);
  let numeric = true;
  for (let r = 0; r < n && numeric; r++) {
    const v = order[r];
    numeric = typeof v === 'number' ? !Number.isNaN(v) : typeof v === 'string' && NUMBER.test(v);
  }
  for (let r = 0; r < n; r++) {
    const v = order[r];
    if (numeric) {
      whole[r] = typeof v === 'number' ? v : Number(v);
      continue;
    }
    const t = typeof v === 'string' ? parseIso(v) : undefined;
    if (t === undefined) {
      const shown = typeof v === 'string' ? `'${v}'` : String(v);
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: row ${r + 1}${column} is ${shown}, which is neither a number nor an ISO-8601 date or timestamp (like 2024-03-01 or 2024-03-01T12:30:00Z); fix the value or order by another column`,
        { row: r + 1 },
      );
    }
    [whole[r], frac[r]] = t;
  }
  return [whole, frac];
}

/** Row indices ordered by (whole, frac, row); a typed index array sorts ~2x faster than a plain one. */
function sortByTime(whole: Float64Array, frac: Float64Array): Uint32Array {
  const n = whole.length;
  const idx = new Uint32Array(n);
  for (let r = 0; r < n; r++) idx[r] = r;
  return idx.sort((a, b) => whole[a] - whole[b] || frac[a] - frac[b] || a - b);
}

/**
 * Orders the rows by time (numbers numerically, else ISO-8601 dates/timestamps; ties by row) and
 * puts the latest ceil(testSize * n) rows (or testSize rows) in test. Rows sharing the time at
 * the boundary all go to one side: to test or to train, whichever leaves the test size nearer
 * the target (train on an exact draw), never leaving a side empty. Both sides come back in
 * ascending row order. Deterministic: no seed.
 */
export function timeSplit(order: ArrayLike<string | number>, options: TimeSplitOptions): SplitIndices {
  const where = options.displayPath ?? 'timeSplit';
  const column = options.orderColumn === undefined ? '' : ` of column '${options.orderColumn}'`;
  const details = { file: options.displayPath, column: options.orderColumn };
  const n = order.length;
  const { nTest } = shuffleSplitSizes(n, options.testSize, where);
  let keys: [Float64Array, Float64Array];
  try {
    keys = timeKeys(order, where, column);
  } catch (e) {
    if (e instanceof DataError) throw new DataError(e.code, e.message, { ...details, row: e.row });
    throw e;
  }
  const [whole, frac] = keys;
  const sorted = sortByTime(whole, frac);
  const same = (p: number, q: number) =>
    whole[sorted[p]] === whole[sorted[q]] && frac[sorted[p]] === frac[sorted[q]];

  // the first test position; widen to the run of equal times around the boundary
  const cut = n - nTest;
  let lo = cut;
  while (lo > 0 && same(lo - 1, cut)) lo--;
  let hi = cut;
  while (hi < n && same(hi, cut - 1)) hi++;
  // candidates: the whole run to train (cut at hi) or to test (cut at lo), each valid if 0 < cut < n
  const candidates = [hi, lo].filter((c) => c > 0 && c < n);
  if (candidates.length === 0) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: every row${column} has the same time (${String(order[0])}), so no row is later than another; a time split needs at least 2 distinct times`,
      details,
    );
  }
  const best = candidates.reduce((a, b) => (Math.abs(n - b - nTest) < Math.abs(n - a - nTest) ? b : a));
  const inTest = new Uint8Array(n);
  for (let p = best; p < n; p++) inTest[sorted[p]] = 1;
  const train: number[] = [];
  const test: number[] = [];
  for (let r = 0; r < n; r++) (inTest[r] ? test : train).push(r);
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}
