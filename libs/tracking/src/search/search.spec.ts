import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrackingError } from '../errors';
import { openStore } from '../store/store';
import { TrackingStore } from '../store/types';
import { seedFixtureRuns } from '../fixtures/fixture-runs';
import { parseFilter } from './parser';

let root: string;
let store: TrackingStore;
let ids: Record<string, string>;
beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-search-'));
  ids = seedFixtureRuns(root);
  store = openStore({ root });
});
afterAll(() => {
  store.close();
  fs.rmSync(root, { recursive: true, force: true });
});

const ALL = ['killed-run', 'lr-base', 'rf-beer', 'rf-broken', 'rf-small', 'rf_50%'];

function names(filter: string): string[] {
  return store
    .searchRuns({ filter })
    .runs.map((r) => r.info.runName)
    .sort();
}

// [filter, expected run names (sorted)]
const VALID: [string, string[]][] = [
  ['metrics.accuracy > 0.6', ['killed-run', 'lr-base', 'rf-small']],
  ['metrics.accuracy >= 0.6', ['killed-run', 'lr-base', 'rf-small', 'rf_50%']],
  ['metrics.accuracy < 0.6', ['rf-beer']],
  ['metrics.accuracy <= 0.55', ['rf-beer']],
  ['metrics.accuracy = 0.68', ['rf-small']],
  ['metrics.accuracy == 0.68', ['rf-small']],
  ['metrics.accuracy != 0.68', ['killed-run', 'lr-base', 'rf-beer', 'rf_50%']],
  ['metrics.accuracy <> 0.68', ['killed-run', 'lr-base', 'rf-beer', 'rf_50%']],
  ['metrics.accuracy = 0.72', ['killed-run']], // the latest value (step 2), not the first
  ['metrics.accuracy = 0.2', []],
  ["tags.algorithm = 'random_forest'", ['rf-broken', 'rf-small']],
  ["tags.algorithm LIKE 'random%'", ['rf-broken', 'rf-small']],
  ["tags.algorithm ILIKE 'random%'", ['rf-beer', 'rf-broken', 'rf-small']],
  ["tags.algorithm NOT LIKE '%forest'", ['lr-base', 'rf-beer', 'rf_50%']],
  ["params.model.C = '1.0'", ['lr-base', 'rf_50%']],
  ['params.`model.C` = "1.0"', ['lr-base', 'rf_50%']],
  [`params."model.C" IN ('0.1', '10')`, ['rf-broken', 'rf-small']],
  ["params.model.C NOT IN ('0.1', '10')", ['lr-base', 'rf_50%']],
  ["params.model.C > '1'", ['lr-base', 'rf-broken', 'rf_50%']],
  ['params.n_estimators IS NULL', ['killed-run', 'lr-base', 'rf-broken', 'rf-small', 'rf_50%']],
  ['params.n_estimators is not null', ['rf-beer']],
  ['metrics.accuracy IS NULL', ['rf-broken']],
  ['metrics."f1 macro" > 0.45', ['rf-small']],
  ['metrics.`f1 macro` > 0', ['lr-base', 'rf-small']],
  ["status = 'FINISHED'", ['lr-base', 'rf-beer', 'rf-small']],
  ["attributes.status != 'FINISHED'", ['killed-run', 'rf-broken', 'rf_50%']],
  ["status IN ('FAILED', 'KILLED')", ['killed-run', 'rf-broken']],
  ["run_name LIKE 'rf-%'", ['rf-beer', 'rf-broken', 'rf-small']],
  ["run_name LIKE 'rf_%'", ['rf-beer', 'rf-broken', 'rf-small', 'rf_50%']],
  ["run_name LIKE '%5*'", []], // * is literal in LIKE
  ["run_name ILIKE 'RF-B%'", ['rf-beer', 'rf-broken']],
  ["experiment = 'beer'", ['killed-run', 'rf-beer']],
  ["metrics.accuracy > 0.6 and tags.algorithm = 'random_forest'", ['rf-small']],
  ["metrics.accuracy > 0.7 or tags.algorithm = 'logistic_regression'", ['killed-run', 'lr-base', 'rf_50%']],
  ["NOT status = 'FINISHED'", ['killed-run', 'rf-broken', 'rf_50%']],
  ['not (metrics.accuracy > 0.6)', ['rf-beer', 'rf-broken', 'rf_50%']],
  ["status = 'FINISHED' and (experiment = 'beer' or params.model.C = '0.1')", ['rf-beer', 'rf-small']],
  // AND binds tighter than OR: beer OR (FAILED AND C = 0.1)
  ["experiment = 'beer' or status = 'FAILED' and params.model.C = '0.1'", ['killed-run', 'rf-beer']],
  ["(experiment = 'beer' or status = 'FAILED') and params.model.C = '0.1'", []],
  ['start_time > 1700000120000', ['killed-run', 'rf-beer', 'rf_50%']],
  ["start_time < '2023-11-14T22:16:00Z'", ['lr-base', 'rf-broken', 'rf-small']],
  ['end_time IS NULL', ['rf_50%']],
  ['end_time >= 1700000002000', ['killed-run', 'rf-beer', 'rf-broken', 'rf-small']],
  [`tags.note = "it's ok"`, ['killed-run']],
  ["tags.note = 'it''s ok'", ['killed-run']],
  ['METRICS.accuracy > 0.7 AnD Tags.note IS NOT NULL', ['killed-run']],
  ['metrics.log_loss <= 1 and metrics.log_loss >= 0.7', ['lr-base', 'rf-beer']],
  ['metrics.accuracy IN (0.61, 0.72)', ['killed-run', 'lr-base']],
  ["((status = 'KILLED'))", ['killed-run']],
  ["tags.algorithm = 'random_forest' and not params.model.C = '10'", ['rf-small']],
  ['metrics.accuracy > -1e3', ['killed-run', 'lr-base', 'rf-beer', 'rf-small', 'rf_50%']],
  ['metric.accuracy = 0.72', ['killed-run']],
  ["experiment_name = 'wine' and params.train.seed = '7'", ['rf_50%']],
  ["tags.note = '''; DROP TABLE runs; --'", []],
  ['', ALL],
  ['   ', ALL],
];

describe('filter grammar', () => {
  it('has a corpus of at least 30 valid filters', () => expect(VALID.length).toBeGreaterThanOrEqual(30));

  it.each(VALID)('%s', (filter, expected) => {
    expect(names(filter)).toEqual(expected);
    expect(store.searchRuns({ filter, maxResults: 0 }).total).toBe(expected.length);
  });

  it('matches run ids exactly and by LIKE prefix', () => {
    expect(names(`run_id = '${ids['rf-small']}'`)).toEqual(['rf-small']);
    expect(names(`run_id LIKE '${ids['rf-beer'].slice(0, 10)}%' and experiment = 'beer'`)).toEqual([
      'rf-beer',
    ]);
  });

  // [filter, 1-based column, message]
  const INVALID: [string, number, string][] = [
    [
      'metrics.accuracy accuracyy',
      18,
      "filter: expected a comparison operator at column 18 (got 'accuracyy')",
    ],
    ['metrics.accuracy > ', 20, 'filter: expected a number at column 20 (got end of input)'],
    [
      'accuracy > 0.5',
      1,
      "filter: unknown key 'accuracy'; use metrics.accuracy, params.accuracy, tags.accuracy or an attribute (status, run_name, run_id, start_time, end_time, experiment, git_commit, config_hash, data_md5, user_id, lifecycle_stage) at column 1",
    ],
    [
      "metrics.accuracy > '0.5'",
      20,
      "filter: metrics.accuracy is numeric; write the value unquoted (got '0.5') at column 20",
    ],
    ['params.C = 1', 12, "filter: params.C is a string; quote the value, e.g. '1', at column 12"],
    [
      "status = 'FINISHED' and",
      24,
      'filter: expected a key such as metrics.accuracy, params.C, tags.x or status at column 24 (got end of input)',
    ],
    ["(status = 'FINISHED'", 21, "filter: expected ')' or AND/OR at column 21 (got end of input)"],
    [
      "status = 'FINISHED')",
      20,
      "filter: expected AND, OR or end of filter (unbalanced ')') at column 20 (got ')')",
    ],
    ["tags.x = 'abc", 10, "filter: unterminated string starting at column 10; close it with '"],
    [
      "metrics.accuracy LIKE '0.5%'",
      18,
      'filter: LIKE needs a string key, metrics.accuracy is numeric at column 18',
    ],
    [
      "foo.bar = 'x'",
      1,
      "filter: unknown key prefix 'foo' in 'foo.bar'; use metrics., params., tags. or attributes. at column 1",
    ],
    ["params.C IN 'a'", 13, "filter: expected '(' after IN at column 13 (got ''a'')"],
    ["params.C IS 'x'", 13, "filter: expected NULL at column 13 (got ''x'')"],
    ["status = 'A' && status = 'B'", 14, "filter: unexpected character '&' at column 14"],
    [
      "start_time > 'yesterday'",
      14,
      "filter: start_time needs ms since epoch or a date like '2026-01-31' (got 'yesterday') at column 14",
    ],
    [
      "status = 'X' status = 'Y'",
      14,
      "filter: expected AND, OR or end of filter at column 14 (got 'status')",
    ],
    ["params.C NOT = '1'", 14, "filter: expected LIKE, ILIKE or IN after NOT at column 14 (got '=')"],
    ["params.C IN ('a' 'b')", 18, "filter: expected ',' or ')' at column 18 (got ''b'')"],
    ['metrics. = 1', 1, "filter: missing key after 'metrics.' at column 1"],
    [
      "attributes.colour = 'red'",
      1,
      "filter: unknown attribute 'attributes.colour'; attributes are (status, run_name, run_id, start_time, end_time, experiment, git_commit, config_hash, data_md5, user_id, lifecycle_stage) at column 1",
    ],
    ['metrics.accuracy > 1x', 21, "filter: unexpected 'x' after number at column 21"],
  ];

  it.each(INVALID)('rejects %s at column %i', (filter, column, message) => {
    let error: unknown;
    try {
      parseFilter(filter);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(TrackingError);
    const err = error as TrackingError;
    expect({ code: err.code, column: err.column, message: err.message }).toEqual({
      code: 'INVALID_FILTER',
      column,
      message,
    });
    expect(err.caret).toBe(`  ${filter}\n  ${' '.repeat(column - 1)}^`);
    expect(() => store.searchRuns({ filter })).toThrow(message);
  });

  it('has at least 10 invalid filters', () => expect(INVALID.length).toBeGreaterThanOrEqual(10));
});

describe('ordering and paging', () => {
  const order = (
    orderBy: string[],
    extra: { experiments?: string[]; maxResults?: number; offset?: number; filter?: string } = {},
  ) => store.searchRuns({ orderBy, ...extra }).runs.map((r) => r.info.runName);

  it('defaults to newest first', () => {
    expect(order([])).toEqual(['rf_50%', 'killed-run', 'rf-beer', 'rf-broken', 'rf-small', 'lr-base']);
  });

  it('puts runs without the key last in both directions', () => {
    expect(order(['metrics.accuracy DESC'])).toEqual([
      'killed-run',
      'rf-small',
      'lr-base',
      'rf_50%',
      'rf-beer',
      'rf-broken',
    ]);
    expect(order(['metrics.accuracy'])).toEqual([
      'rf-beer',
      'rf_50%',
      'lr-base',
      'rf-small',
      'killed-run',
      'rf-broken',
    ]);
    expect(order(['metrics.`f1 macro` asc'])).toEqual([
      'lr-base',
      'rf-small',
      'rf_50%',
      'killed-run',
      'rf-beer',
      'rf-broken',
    ]);
  });

  it('breaks ties with later terms', () => {
    expect(order(['params.model.C DESC', 'start_time'])).toEqual([
      'rf-broken',
      'lr-base',
      'rf_50%',
      'rf-small',
      'rf-beer',
      'killed-run',
    ]);
    expect(order(['tags.algorithm', 'run_name DESC'])).toEqual([
      'rf-beer',
      'rf_50%',
      'lr-base',
      'rf-small',
      'rf-broken',
      'killed-run',
    ]);
    expect(order(['status', 'experiment DESC', 'end_time DESC'])).toEqual([
      'rf-broken',
      'rf-small',
      'lr-base',
      'rf-beer',
      'killed-run',
      'rf_50%',
    ]);
  });

  it('pages in SQL and counts the whole match', () => {
    const page = store.searchRuns({ orderBy: ['metrics.accuracy DESC'], maxResults: 2, offset: 2 });
    expect(page.total).toBe(6);
    expect(page.runs.map((r) => r.info.runName)).toEqual(['lr-base', 'rf_50%']);
    expect(page.runs[0].params).toEqual({ 'model.C': '1.0', 'train.seed': '42' });
    expect(page.runs[0].metrics).toEqual({ accuracy: 0.61, 'f1 macro': 0.4, log_loss: 1 });
    expect(order(['run_name'], { experiments: ['beer'] })).toEqual(['killed-run', 'rf-beer']);
    expect(store.searchRuns({ experiments: [] }).total).toBe(0);
    expect(
      store.searchRuns({ experiments: ['beer', 'wine'], filter: 'metrics.accuracy > 0.6', maxResults: 1 })
        .total,
    ).toBe(3);
  });

  it('rejects bad order-by terms with a column', () => {
    expect(() => store.searchRuns({ orderBy: ['metrics.accuracy DOWN'] })).toThrow(
      "order by: expected ASC, DESC or end of order-by term at column 18 (got 'DOWN')",
    );
    expect(() => store.searchRuns({ orderBy: ['accuracy'] })).toThrow(/^order by: unknown key 'accuracy'/);
    expect(() => store.searchRuns({ maxResults: -1 })).toThrow(
      'maxResults must be an integer from 0 to 100000 (got -1)',
    );
  });
});
