// Pieces the scikit-learn-compatible, group and time splits share: test-size validation with
// scikit-learn's rounding, and np.unique's ordering of labels.
import { DataError } from './data-error';

export interface SplitSizes {
  nTrain: number;
  nTest: number;
}

/**
 * scikit-learn's `_validate_shuffle_split` with train_size unset: a fraction in (0, 1) gives
 * nTest = ceil(testSize * n), a whole number >= 1 is the count itself (JavaScript has no
 * separate int type, so 1 means one item, never 100%); nTrain = n - nTest must stay > 0.
 */
export function shuffleSplitSizes(n: number, testSize: number, where: string, unit = 'rows'): SplitSizes {
  if (n < 2) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: needs at least 2 ${unit} to split into train and test (got ${n})`,
    );
  }
  let nTest: number;
  if (typeof testSize === 'number' && testSize > 0 && testSize < 1) nTest = Math.ceil(testSize * n);
  else if (Number.isInteger(testSize) && testSize >= 1 && testSize < n) nTest = testSize;
  else {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: test size must be a fraction in (0, 1) or a whole number of ${unit} from 1 to ${n - 1} (got ${testSize})`,
    );
  }
  const nTrain = n - nTest;
  if (nTrain === 0) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: test size ${testSize} of ${n} ${unit} puts all of them in test (ceil(${testSize} * ${n}) = ${n}), leaving train empty; use a smaller test size`,
    );
  }
  return { nTrain, nTest };
}

export type Label = number | string;

/** numpy's order for np.unique: numbers ascending; strings by code point, as numpy's unicode sort. */
export function compareLabels(a: Label, b: Label): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  const sa = String(a);
  const sb = String(b);
  if (sa === sb) return 0;
  // code-point order (JavaScript's default compares UTF-16 units, which differs above U+FFFF)
  const ca = Array.from(sa, (c) => c.codePointAt(0) as number);
  const cb = Array.from(sb, (c) => c.codePointAt(0) as number);
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) if (ca[i] !== cb[i]) return ca[i] - cb[i];
  return ca.length - cb.length;
}

export interface UniqueLabels {
  /** Distinct values in np.unique order. */
  values: Label[];
  /** For every row, the position of its value in `values` (np.unique's return_inverse). */
  inverse: Uint32Array;
  counts: number[];
}

/**
 * np.unique(y, return_inverse=True) plus np.bincount of the inverse. Values must all be numbers
 * or all be strings (a numpy array holds one dtype); NaN is refused rather than sorted last.
 */
export function uniqueLabels(y: ArrayLike<Label>, where: string, what: string): UniqueLabels {
  const n = y.length;
  const kind = n > 0 ? typeof y[0] : 'number';
  const index = new Map<Label, number>();
  const first: Label[] = [];
  for (let r = 0; r < n; r++) {
    const v = y[r];
    if (typeof v !== kind || (typeof v === 'number' && Number.isNaN(v))) {
      const why =
        typeof v === 'number' && Number.isNaN(v) ? 'is NaN' : `is a ${typeof v} while row 1 is a ${kind}`;
      throw new DataError(
        'INVALID_ARGUMENT',
        `${where}: ${what} at row ${r + 1} ${why}; every ${what} must be a number, or every one a string`,
        { row: r + 1 },
      );
    }
    // -0 and 0 are one label, as in numpy
    const key = typeof v === 'number' && v === 0 ? 0 : v;
    if (!index.has(key)) {
      index.set(key, first.length);
      first.push(key);
    }
  }
  const values = first.slice().sort(compareLabels);
  const rank = new Map<Label, number>(values.map((v, i) => [v, i]));
  const inverse = new Uint32Array(n);
  const counts = new Array<number>(values.length).fill(0);
  for (let r = 0; r < n; r++) {
    const v = y[r];
    const k = rank.get(typeof v === 'number' && v === 0 ? 0 : v) as number;
    inverse[r] = k;
    counts[k]++;
  }
  return { values, inverse, counts };
}

/** Rows of each label in ascending row order: np.split(np.argsort(inverse, kind='mergesort'), ...). */
export function rowsByLabel(labels: UniqueLabels): Uint32Array[] {
  const rows = labels.counts.map((c) => new Uint32Array(c));
  const fill = new Array<number>(labels.counts.length).fill(0);
  labels.inverse.forEach((k, r) => (rows[k][fill[k]++] = r));
  return rows;
}

export function quoteLabel(v: Label): string {
  return `'${v}'`;
}
