// numpy's legacy `RandomState` (MT19937 + the "legacy" distributions numpy keeps frozen for
// backward compatibility), only as far as scikit-learn's shuffle splits need it. Ported from
// reading numpy/random/src/mt19937/mt19937.c, distributions.c (random_interval, the masked
// bounded generators) and mtrand.pyx (shuffle, permutation, choice); the stream matches
// `np.random.RandomState(seed)` draw for draw, which numpy.random.tests pin across releases.
import { DataError } from './data-error';

const N = 624;
const M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER_MASK = 0x80000000;
const LOWER_MASK = 0x7fffffff;
const UINT32_MAX = 0xffffffff;

/** The smallest all-ones mask >= max, for 0 <= max <= 0xffffffff. */
function mask32(max: number): number {
  let m = max >>> 0;
  m |= m >>> 1;
  m |= m >>> 2;
  m |= m >>> 4;
  m |= m >>> 8;
  m |= m >>> 16;
  return m >>> 0;
}

function mask64(max: bigint): bigint {
  let m = 1n;
  while (m < max) m = (m << 1n) | 1n;
  return m;
}

function checkSeedWord(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > UINT32_MAX) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${what} must be an integer from 0 to 4294967295 (2**32 - 1), as numpy requires (got ${value})`,
    );
  }
  return value;
}

/** A mutable array of numbers: plain arrays and typed arrays both qualify. */
export interface MutableNumbers {
  readonly length: number;
  [index: number]: number;
}

export class NumpyRandomState {
  private readonly key = new Uint32Array(N);
  private pos = N;

  /**
   * `np.random.RandomState(seed)`: an integer seed is spread by MT19937's init_genrand, an
   * array of integers by init_by_array, exactly as numpy's legacy seeding does. `name` is how
   * messages call the seed, e.g. `data/x.csv: seed`.
   */
  constructor(seed: number | ArrayLike<number>, name = 'random_state') {
    if (typeof seed === 'number') this.seedInt(checkSeedWord(seed, name));
    else {
      if (seed.length === 0) throw new DataError('INVALID_ARGUMENT', `${name} array must not be empty`);
      const words = Array.from(seed, (v, i) => checkSeedWord(v, `${name}[${i}]`));
      this.seedArray(words);
    }
  }

  private seedInt(seed: number): void {
    let s = seed >>> 0;
    for (let i = 0; i < N; i++) {
      this.key[i] = s;
      s = (Math.imul(1812433253, (s ^ (s >>> 30)) >>> 0) + i + 1) >>> 0;
    }
    this.pos = N;
  }

  private seedArray(words: number[]): void {
    const mt = this.key;
    this.seedInt(19650218);
    let i = 1;
    let j = 0;
    for (let k = Math.max(N, words.length); k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (((mt[i] ^ Math.imul(prev, 1664525)) >>> 0) + words[j] + j) >>> 0;
      i++;
      j++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
      if (j >= words.length) j = 0;
    }
    for (let k = N - 1; k > 0; k--) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (((mt[i] ^ Math.imul(prev, 1566083941)) >>> 0) - i) >>> 0;
      i++;
      if (i >= N) {
        mt[0] = mt[N - 1];
        i = 1;
      }
    }
    mt[0] = 0x80000000;
    this.pos = N;
  }

  private generate(): void {
    const mt = this.key;
    let i = 0;
    let y: number;
    for (; i < N - M; i++) {
      y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + M] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    for (; i < N - 1; i++) {
      y = (mt[i] & UPPER_MASK) | (mt[i + 1] & LOWER_MASK);
      mt[i] = mt[i + M - N] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    }
    y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
    mt[N - 1] = mt[M - 1] ^ (y >>> 1) ^ (y & 1 ? MATRIX_A : 0);
    this.pos = 0;
  }

  /** One tempered 32-bit output of MT19937. */
  nextUint32(): number {
    if (this.pos === N) this.generate();
    let y = this.key[this.pos++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** numpy's next_uint64 for MT19937: the first 32-bit draw is the high word. */
  private nextUint64(): bigint {
    const hi = BigInt(this.nextUint32());
    return (hi << 32n) | BigInt(this.nextUint32());
  }

  /** `random_sample()`: 53 random bits from two draws, in [0, 1). */
  randomSample(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * `randint(low, high)` with the default int64 dtype: masked rejection sampling (numpy keeps
   * it for RandomState instead of Lemire's method), 32-bit draws when high - low - 1 fits.
   */
  randint(low: number, high?: number): number {
    const [lo, hi] = high === undefined ? [0, low] : [low, high];
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || hi <= lo) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `randint: low and high must be integers with low < high (got ${lo}, ${hi})`,
      );
    }
    const range = hi - lo - 1;
    if (range === 0) return lo;
    if (range === UINT32_MAX) return lo + this.nextUint32();
    if (range < UINT32_MAX) {
      const mask = mask32(range);
      let v: number;
      while ((v = (this.nextUint32() & mask) >>> 0) > range);
      return lo + v;
    }
    const big = BigInt(range);
    const mask = mask64(big);
    let v: bigint;
    while ((v = this.nextUint64() & mask) > big);
    return lo + Number(v);
  }

  /** `random_interval(max)`: uniform in 0..max inclusive; the draw behind legacy shuffle. */
  interval(max: number): number {
    if (max === 0) return 0;
    if (max <= UINT32_MAX) {
      const mask = mask32(max);
      let v: number;
      while ((v = (this.nextUint32() & mask) >>> 0) > max);
      return v;
    }
    const big = BigInt(max);
    const mask = mask64(big);
    let v: bigint;
    while ((v = this.nextUint64() & mask) > big);
    return Number(v);
  }

  /** `shuffle(x)` on a 1-d array: the legacy Fisher-Yates loop from the end, in place. */
  shuffle(x: MutableNumbers): void {
    for (let i = x.length - 1; i > 0; i--) {
      const j = this.interval(i);
      const t = x[j];
      x[j] = x[i];
      x[i] = t;
    }
  }

  /** `permutation(n)`: a shuffled 0..n-1. */
  permutation(n: number): Uint32Array {
    const out = new Uint32Array(n);
    for (let i = 0; i < n; i++) out[i] = i;
    this.shuffle(out);
    return out;
  }

  /** `permutation(array)`: a shuffled copy. */
  permuted(values: ArrayLike<number>): number[] {
    const out = Array.from(values);
    this.shuffle(out);
    return out;
  }

  /** `choice(a, size, replace=False)` without p: the first `size` entries of a permutation. */
  choiceWithoutReplacement(values: ArrayLike<number>, size: number): number[] {
    if (!Number.isInteger(size) || size < 0 || size > values.length) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `choice: size must be an integer from 0 to ${values.length} (got ${size})`,
      );
    }
    const perm = this.permutation(values.length);
    return Array.from(perm.subarray(0, size), (i) => values[i]);
  }
}
