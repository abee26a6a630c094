import { describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { createRng } from './random';
import { timeSplit } from './split-time';

const rows = (s: { train: Uint32Array; test: Uint32Array }) => ({
  train: Array.from(s.train),
  test: Array.from(s.test),
});

/** n timestamps between 2020 and 2025, each with a random zone, some repeated. */
function randomStamps(n: number, seed: number): string[] {
  const rng = createRng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    if (i > 0 && rng.next() < 0.1) {
      out.push(out[rng.nextInt(i)]);
      continue;
    }
    const ms = Date.UTC(2020, 0, 1) + Math.floor(rng.next() * 5 * 365 * 86400) * 1000;
    const offset = (rng.nextInt(27) - 12) * 60; // minutes
    const local = new Date(ms + offset * 60000).toISOString().slice(0, 19);
    const sign = offset < 0 ? '-' : '+';
    const abs = Math.abs(offset);
    const zone =
      offset === 0
        ? 'Z'
        : `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
    out.push(`${local}${zone}`);
  }
  return out;
}

describe('timeSplit', () => {
  it('puts the latest rows in test, numbers compared as numbers', () => {
    expect(rows(timeSplit([50, 10, 40, 20, 30], { testSize: 0.4 }))).toEqual({
      train: [1, 3, 4],
      test: [0, 2],
    });
    // numeric text sorts numerically, not as text ('100' < '9' as text)
    expect(rows(timeSplit(['10', '9', '100', '11'], { testSize: 1 }))).toEqual({
      train: [0, 1, 3],
      test: [2],
    });
    expect(rows(timeSplit([3, -1.5, 2e3, 0], { testSize: 2 }))).toEqual({ train: [1, 3], test: [0, 2] });
  });

  it('orders ISO-8601 dates and timestamps as instants, zones included, no zone as UTC', () => {
    const order = [
      '2024-03-01T00:30:00+02:00', // 2024-02-29T22:30Z
      '2024-02-29T23:00:00Z',
      '2024-03-01', // midnight UTC
      '2024-02-29 22:45', // UTC
      '2024-03-01T00:00:00.000001Z',
      '2024-02-29T22:30:00.5+00:00',
    ];
    // by instant: 0 (22:30), 5 (22:30:00.5), 3 (22:45), 1 (23:00), 2 (00:00), 4 (00:00:00.000001)
    expect(rows(timeSplit(order, { testSize: 3 }))).toEqual({ train: [0, 3, 5], test: [1, 2, 4] });
    expect(rows(timeSplit(order, { testSize: 4 }))).toEqual({ train: [0, 5], test: [1, 2, 3, 4] });
    expect(rows(timeSplit(order, { testSize: 5 }))).toEqual({ train: [0], test: [1, 2, 3, 4, 5] });
  });

  it('agrees with Date.parse on 500 zoned timestamps: every train time <= every test time', () => {
    const stamps = randomStamps(500, 1);
    for (const testSize of [0.1, 0.2, 0.35]) {
      const s = timeSplit(stamps, { testSize });
      const latestTrain = Math.max(...Array.from(s.train, (r) => Date.parse(stamps[r])));
      const earliestTest = Math.min(...Array.from(s.test, (r) => Date.parse(stamps[r])));
      expect(latestTrain).toBeLessThan(earliestTest);
      expect(s.train.length + s.test.length).toBe(500);
      expect(Math.abs(s.test.length - Math.ceil(testSize * 500))).toBeLessThanOrEqual(3);
    }
  });

  it('keeps rows sharing the boundary time on one side, whichever is nearer the target', () => {
    // target 2; the three 2s span the boundary: to train gives 1 test row, to test gives 4
    expect(rows(timeSplit([1, 2, 2, 2, 3], { testSize: 0.4 }))).toEqual({ train: [0, 1, 2, 3], test: [4] });
    // target 3; the three 5s: to train gives 1, to test gives 4 (nearer)
    expect(rows(timeSplit([1, 2, 3, 4, 5, 5, 5, 9], { testSize: 3 }))).toEqual({
      train: [0, 1, 2, 3],
      test: [4, 5, 6, 7],
    });
    // target 2: 1 or 3 test rows are equally near; train keeps the tie
    expect(rows(timeSplit([1, 2, 2, 3], { testSize: 2 }))).toEqual({ train: [0, 1, 2], test: [3] });
    // the tie cannot go to train without emptying test
    expect(rows(timeSplit([5, 5, 5, 5, 1], { testSize: 0.2 }))).toEqual({ train: [4], test: [0, 1, 2, 3] });
    expect(rows(timeSplit(['2024-01-02', '2024-01-02T00:00:00Z', '2024-01-01'], { testSize: 1 }))).toEqual({
      train: [2],
      test: [0, 1],
    });
  });

  it('is deterministic and returns rows in ascending order', () => {
    const stamps = randomStamps(200, 2);
    const a = timeSplit(stamps, { testSize: 0.25 });
    expect(timeSplit(stamps, { testSize: 0.25 })).toEqual(a);
    expect(Array.from(a.test)).toEqual(Array.from(a.test).sort((x, y) => x - y));
  });

  it('names the first value that is neither a number nor an ISO-8601 time, with its row', () => {
    const where = { displayPath: 'data/sales.csv', orderColumn: 'day' };
    const text = (v: string) =>
      `data/sales.csv: row 3 of column 'day' is ${v}, which is neither a number nor an ISO-8601 date or timestamp (like 2024-03-01 or 2024-03-01T12:30:00Z); fix the value or order by another column`;
    for (const bad of ['2023-02-29', '2024-13-01', '01/03/2024', '2024-03-01T25:00', 'yesterday', '']) {
      expect(() =>
        timeSplit(['2024-01-01', '2024-01-02', bad, 'later'], { testSize: 0.5, ...where }),
      ).toThrow(text(`'${bad}'`));
    }
    try {
      timeSplit(['2024-01-01', '2024-01-02', 'soon'], { testSize: 0.5, ...where });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', file: 'data/sales.csv', column: 'day', row: 3 });
    }
  });

  it('refuses one repeated time and sizes that empty a side', () => {
    expect(() => timeSplit([7, 7, 7], { testSize: 0.5, orderColumn: 'year' })).toThrow(
      "timeSplit: every row of column 'year' has the same time (7), so no row is later than another; a time split needs at least 2 distinct times",
    );
    expect(() => timeSplit([1, 2, 3], { testSize: 3 })).toThrow(
      'timeSplit: test size must be a fraction in (0, 1) or a whole number of rows from 1 to 2 (got 3)',
    );
    expect(() => timeSplit([1], { testSize: 0.5 })).toThrow('timeSplit: needs at least 2 rows');
    expect(() => timeSplit([1, 2, 3, 4], { testSize: 0.9 })).toThrow('leaving train empty');
  });
});
