// Filters built to exhaust the parser or the database: deep nesting must be a parse error with a
// column, never a RangeError (which the UI answered with 500).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingError } from '../errors';
import { openStore } from '../store/store';
import { testBackends } from '../store/test-backends';
import type { TrackingStore } from '../store/types';
import { seedFixtureRuns } from '../fixtures/fixture-runs';
import { parseFilter } from './parser';

const LEAF = "status = 'FINISHED'";
const parens = (depth: number) => `${'('.repeat(depth)}${LEAF}${')'.repeat(depth)}`;
const nots = (depth: number) => `${'NOT '.repeat(depth)}${LEAF}`;
const TOO_DEEP = 'nesting is deeper than 100 levels of parentheses and NOT; flatten the filter';

function parseError(filter: string): TrackingError {
  let error: unknown;
  try {
    parseFilter(filter);
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(TrackingError);
  return error as TrackingError;
}

const backends = testBackends();

describe.each(backends)('on $name', (backend) => {
  let root: string;
  let store: TrackingStore;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-search-security-'));
    seedFixtureRuns(root);
    store = openStore(backend.seeded(root).opts);
  });
  afterAll(() => {
    store.close();
    fs.rmSync(root, { recursive: true, force: true });
    backend.cleanup();
  });

  describe('filter nesting depth', () => {
    it('accepts 100 levels of parentheses and of NOT, and the store runs them', () => {
      expect(parseFilter(parens(100))).toMatchObject({ kind: 'compare', value: 'FINISHED' });
      expect(parseFilter(nots(100))).toMatchObject({ kind: 'not' });
      const finished = store.searchRuns({ filter: LEAF }).runs.length;
      expect(finished).toBeGreaterThan(0);
      expect(store.searchRuns({ filter: parens(100) }).runs).toHaveLength(finished);
      expect(store.searchRuns({ filter: nots(100) }).runs).toHaveLength(finished);
    });

    it.each<[string, string, number]>([
      ['101 parentheses', parens(101), 101],
      ['101 NOTs', nots(101), 401],
      ['100 parentheses inside NOT', `NOT ${parens(100)}`, 104],
      ['deep on the right of AND', `${LEAF} AND ${parens(101)}`, 125],
    ])('refuses %s at the first level too deep', (_, filter, column) => {
      const err = parseError(filter);
      expect({ code: err.code, column: err.column, message: err.message }).toEqual({
        code: 'INVALID_FILTER',
        column,
        message: `filter: ${TOO_DEEP} at column ${column}`,
      });
      expect(err.caret).toBe(`  ${filter}\n  ${' '.repeat(column - 1)}^`);
    });

    it.each([
      ['2,500 parentheses', parens(2500)],
      ['2,500 unclosed parentheses', '('.repeat(2500)],
      ['20,000 NOTs', nots(20_000)],
    ])('%s: a parse error, not a stack overflow', (_, filter) => {
      const err = parseError(filter);
      expect(err.message).toBe(`filter: ${TOO_DEEP} at column ${filter.startsWith('(') ? 101 : 401}`);
    });
  });

  describe('filter size', () => {
    const chain = (n: number) => Array(n).fill(LEAF).join(' OR ');

    it('runs 500 conditions and 10,000 IN values', () => {
      expect(store.searchRuns({ filter: chain(500) }).runs.length).toBeGreaterThan(0);
      const values = Array.from({ length: 10_000 }, (_, i) => `'${i}'`).join(',');
      expect(store.searchRuns({ filter: `params.C IN (${values})` }).runs).toEqual(
        store.searchRuns({ filter: "params.C IN ('0','1','2','3','4','5','6','7','8','9')" }).runs,
      );
    });

    it.each<[string, string, number, string]>([
      [
        '501 conditions',
        chain(501),
        500 * (LEAF.length + 4) + 1,
        'more than 500 conditions; use IN for alternatives or split the search',
      ],
      [
        '50,000 conditions',
        chain(50_000),
        500 * (LEAF.length + 4) + 1,
        'more than 500 conditions; use IN for alternatives or split the search',
      ],
      [
        '10,001 IN values',
        `params.C IN (${Array.from({ length: 10_001 }, () => "'1'").join(',')})`,
        14 + 10_000 * 4,
        'more than 10000 values in IN lists; split the search',
      ],
    ])('refuses %s with a parse error, not a database error', (_, filter, column, message) => {
      const err = parseError(filter);
      expect({ code: err.code, column: err.column, message: err.message }).toEqual({
        code: 'INVALID_FILTER',
        column,
        message: `filter: ${message} at column ${column}`,
      });
      expect(() => store.searchRuns({ filter })).toThrow(err.message);
    });
  });
});
