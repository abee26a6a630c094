import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { runPython, SKIP_SKLEARN } from './test-python';
import { createRng } from './random';
import { groupSplit, type GroupSplitOptions } from './split-group';

/** 300 rows in 41 groups of uneven size (1 to ~25 rows), ids shuffled over the rows. */
function unevenGroups(seed: number): number[] {
  const rng = createRng(seed);
  const ids: number[] = [];
  for (let g = 0; g < 41 && ids.length < 300; g++) {
    const size = 1 + rng.nextInt(g % 5 === 0 ? 25 : 8);
    for (let k = 0; k < size; k++) ids.push(1000 + g * 7);
  }
  while (ids.length < 300) ids.push(5);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    [ids[i], ids[j]] = [ids[j], ids[i]];
  }
  return ids.slice(0, 300);
}

const numeric = unevenGroups(3);
const named = unevenGroups(4).map((g) => `site-${g}`);

interface Case {
  name: string;
  groups: (number | string)[];
  testSize: number;
  seed: number;
}
const CASES: Case[] = [
  { name: 'numeric ids', groups: numeric, sizes: [0.2, 0.5, 5] },
  { name: 'string ids', groups: named, sizes: [0.25, 3] },
].flatMap(({ name, groups, sizes }) =>
  sizes.flatMap((testSize) =>
    [0, 1, 42, 2 ** 31 - 1].map((seed) => ({
      name: `${name}, test_size=${testSize}, seed=${seed}`,
      groups,
      testSize,
      seed,
    })),
  ),
);

// by 'groups' is GroupShuffleSplit itself; by 'rows' walks the same numpy permutation of the
// np.unique groups, here written out in Python with numpy's own RandomState.
const SCRIPT = `
import sys, json, numpy as np
from sklearn.model_selection import GroupShuffleSplit
from math import ceil
out = []
for c in json.load(sys.stdin):
    g = np.array(c['groups'])
    gss = GroupShuffleSplit(n_splits=1, test_size=c['testSize'], random_state=c['seed'])
    train, test = next(gss.split(np.zeros(len(g)), groups=g))
    uniq, inv = np.unique(g, return_inverse=True)
    counts = np.bincount(inv)
    perm = np.random.RandomState(c['seed']).permutation(len(uniq))
    ts = c['testSize']
    target = ceil(ts * len(g)) if isinstance(ts, float) else ts
    taken, rows = [], 0
    for k in perm[:-1]:
        if rows >= target:
            break
        taken.append(k)
        rows += counts[k]
    rows_test = np.flatnonzero(np.isin(inv, taken))
    out.append({'groups': {'train': train.tolist(), 'test': test.tolist()}, 'rows': {'test': rows_test.tolist()}})
print(json.dumps(out))
`;

describe.skipIf(SKIP_SKLEARN)('groupSplit against scikit-learn and numpy', () => {
  let expected: { groups: { train: number[]; test: number[] }; rows: { test: number[] } }[];
  beforeAll(() => {
    expected = runPython(SCRIPT, CASES);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))("by 'groups' equals GroupShuffleSplit: %s", (_, i) => {
    const c = CASES[i];
    const s = groupSplit(c.groups, { testSize: c.testSize, seed: c.seed, by: 'groups' });
    expect({ train: Array.from(s.train), test: Array.from(s.test) }).toEqual(expected[i].groups);
  });

  it.each(CASES.map((c, i) => [c.name, i] as const))(
    "by 'rows' takes the shortest run of groups: %s",
    (_, i) => {
      const c = CASES[i];
      const s = groupSplit(c.groups, { testSize: c.testSize, seed: c.seed });
      expect(Array.from(s.test)).toEqual(expected[i].rows.test);
    },
  );
});

function sideOf(groups: ArrayLike<number | string>, s: { train: Uint32Array; test: Uint32Array }) {
  const train = new Set(Array.from(s.train, (r) => groups[r]));
  const test = new Set(Array.from(s.test, (r) => groups[r]));
  return { train, test };
}

describe('groupSplit', () => {
  it.each([0.1, 0.2, 0.5, 60])(
    'test size %s of rows: no group on both sides, all rows once, at least the target',
    (testSize) => {
      for (const seed of [0, 1, 2, 3, 4]) {
        const s = groupSplit(numeric, { testSize, seed });
        const { train, test } = sideOf(numeric, s);
        expect([...test].filter((g) => train.has(g))).toEqual([]);
        expect(new Set([...s.train, ...s.test]).size).toBe(300);
        expect(s.train.length + s.test.length).toBe(300);
        const target = testSize < 1 ? Math.ceil(testSize * 300) : testSize;
        expect(s.test.length).toBeGreaterThanOrEqual(target);
        expect(Array.from(s.test)).toEqual(Array.from(s.test).sort((a, b) => a - b));
      }
    },
  );

  it('never moves every group to test', () => {
    // two groups of 1 and 9 rows: 50% of rows cannot be reached without taking both
    const g = ['a', 'b', 'b', 'b', 'b', 'b', 'b', 'b', 'b', 'b'];
    for (let seed = 0; seed < 10; seed++) {
      const s = groupSplit(g, { testSize: 0.5, seed });
      expect(s.train.length).toBeGreaterThan(0);
      expect(s.test.length).toBeGreaterThan(0);
      expect(sideOf(g, s).test.size).toBe(1);
    }
  });

  it('is deterministic; the seed matters', () => {
    const a = groupSplit(named, { testSize: 0.2, seed: 11 });
    expect(groupSplit(named, { testSize: 0.2, seed: 11 })).toEqual(a);
    expect(Array.from(groupSplit(named, { testSize: 0.2, seed: 12 }).test)).not.toEqual(Array.from(a.test));
  });

  it('refuses fewer than 2 groups, bad sizes and mixed ids, naming the column', () => {
    const where: Omit<GroupSplitOptions, 'testSize'> = {
      seed: 0,
      displayPath: 'data/x.csv',
      groupColumn: 'winery',
    };
    expect(() => groupSplit(['w1', 'w1', 'w1'], { testSize: 0.2, ...where })).toThrow(
      "data/x.csv: there is only 1 group ('w1') in column 'winery'; a group split keeps each group on one side, so it needs at least 2 groups: use a column with more distinct values or another split method",
    );
    expect(() => groupSplit([], { testSize: 0.2, seed: 0 })).toThrow('groupSplit: there are no rows;');
    expect(() => groupSplit(['a', 'b', 'c'], { testSize: 1.5, ...where })).toThrow(
      'data/x.csv: test size must be a fraction in (0, 1) or a whole number of rows from 1 to 2 (got 1.5)',
    );
    expect(() => groupSplit(['a', 'b', 'c'], { testSize: 3, by: 'groups', ...where })).toThrow(
      'a whole number of groups from 1 to 2 (got 3)',
    );
    expect(() => groupSplit(['a', 1, 'c'], { testSize: 0.5, ...where })).toThrow(
      "data/x.csv: 'winery' at row 2 is a number while row 1 is a string",
    );
    expect(() => groupSplit(['a', 'b'], { ...where, testSize: 0.5, seed: 2 ** 32 })).toThrow(
      'data/x.csv: seed must be an integer from 0 to 4294967295 (2**32 - 1), as numpy requires (got 4294967296)',
    );
    expect(() => groupSplit(['a', 'b'], { testSize: 0.5, ...where, by: 'count' as 'rows' })).toThrow(
      "by must be 'rows' or 'groups' (got 'count')",
    );
    try {
      groupSplit([1, 1], { testSize: 0.5, ...where });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(DataError);
      expect(e).toMatchObject({ code: 'INVALID_ARGUMENT', file: 'data/x.csv', column: 'winery' });
    }
  });
});
