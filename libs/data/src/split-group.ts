// Group split: every row of a group lands on the same side, so a model is tested on groups
// (patients, wineries, days) it never saw in training.
import { DataError } from './data-error';
import { NumpyRandomState } from './numpy-random';
import type { SplitIndices } from './split';
import { quoteLabel, shuffleSplitSizes, uniqueLabels, type Label } from './split-common';

export interface GroupSplitOptions {
  /**
   * `by: 'rows'`: a fraction of the rows in (0, 1) or a whole number of rows the test side
   * should reach; `by: 'groups'`: a fraction or a whole number of groups, as scikit-learn's.
   */
  testSize: number;
  /** An integer from 0 to 2**32 - 1 (numpy's RandomState seed). */
  seed: number;
  /**
   * 'rows' (default): whole groups go to test until it holds at least the wanted number of rows.
   * 'groups': scikit-learn's GroupShuffleSplit, which counts groups, not rows.
   */
  by?: 'rows' | 'groups';
  /** Names the data in messages, e.g. `data/external/WineQT.csv`. */
  displayPath?: string;
  /** The column the groups come from, named in messages. */
  groupColumn?: string;
}

function rowsOf(inverse: Uint32Array, inTest: Uint8Array): SplitIndices {
  const train: number[] = [];
  const test: number[] = [];
  inverse.forEach((g, r) => (inTest[g] ? test : train).push(r));
  return { train: Uint32Array.from(train), test: Uint32Array.from(test) };
}

/**
 * Splits rows so that rows sharing a group value stay together. Groups are ordered as np.unique
 * orders them (numbers ascending, strings by code point), then shuffled with
 * `np.random.RandomState(seed).permutation(nGroups)`.
 *
 * - by 'rows': the test side is the shortest run of groups, in that shuffled order, holding at
 *   least ceil(testSize * nRows) rows (or testSize rows when it is a whole number), never every
 *   group; so test can overshoot by up to one group's rows, or fall short when the last group
 *   would have to be taken.
 * - by 'groups': exactly GroupShuffleSplit(n_splits=1, test_size=testSize, random_state=seed):
 *   the first ceil(testSize * nGroups) shuffled groups are test, the rest train.
 *
 * Both sides come back in ascending row order. Fewer than 2 groups is an error.
 */
export function groupSplit(groups: ArrayLike<Label>, options: GroupSplitOptions): SplitIndices {
  const where = options.displayPath ?? 'groupSplit';
  const column = options.groupColumn === undefined ? '' : ` in column '${options.groupColumn}'`;
  const details = { file: options.displayPath, column: options.groupColumn };
  const what = options.groupColumn === undefined ? 'group' : `'${options.groupColumn}'`;
  const by = options.by ?? 'rows';
  if (by !== 'rows' && by !== 'groups') {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: by must be 'rows' or 'groups' (got '${String(by)}')`,
      details,
    );
  }
  const labels = uniqueLabels(groups, where, what);
  const nGroups = labels.values.length;
  if (nGroups < 2) {
    const found =
      nGroups === 0 ? 'there are no rows' : `there is only 1 group (${quoteLabel(labels.values[0])})`;
    throw new DataError(
      'INVALID_ARGUMENT',
      `${where}: ${found}${column}; a group split keeps each group on one side, so it needs at least 2 groups: use a column with more distinct values or another split method`,
      details,
    );
  }
  const inTest = new Uint8Array(nGroups);

  if (by === 'groups') {
    const { nTest } = shuffleSplitSizes(nGroups, options.testSize, where, 'groups');
    const perm = new NumpyRandomState(options.seed, `${where}: seed`).permutation(nGroups);
    for (let i = 0; i < nTest; i++) inTest[perm[i]] = 1;
    return rowsOf(labels.inverse, inTest);
  }

  const { nTest: target } = shuffleSplitSizes(groups.length, options.testSize, where, 'rows');
  const perm = new NumpyRandomState(options.seed, `${where}: seed`).permutation(nGroups);
  let testRows = 0;
  for (let i = 0; i < nGroups - 1 && testRows < target; i++) {
    inTest[perm[i]] = 1;
    testRows += labels.counts[perm[i]];
  }
  return rowsOf(labels.inverse, inTest);
}
