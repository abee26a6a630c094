import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadCsvDataset, loadCsvTable, takeRows } from './csv-dataset';
import { DataError } from './data-error';
import { makeTempDir, WINE_CSV } from './test-utils';

const WINE_FEATURES = [
  'fixed acidity',
  'volatile acidity',
  'citric acid',
  'residual sugar',
  'chlorides',
  'free sulfur dioxide',
  'total sulfur dioxide',
  'density',
  'pH',
  'sulphates',
  'alcohol',
];

function csvFile(content: string): string {
  const file = path.join(makeTempDir(), 'x.csv');
  fs.writeFileSync(file, content);
  return file;
}

function loadError(
  content: string | null,
  opts: { featureColumns?: string[]; targetColumn?: string } = {},
): DataError {
  const file = content === null ? path.join(makeTempDir(), 'absent.csv') : csvFile(content);
  try {
    loadCsvDataset(file, {
      featureColumns: opts.featureColumns ?? ['a', 'b'],
      targetColumn: opts.targetColumn ?? 'y',
      displayPath: 'data/x.csv',
    });
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('loadCsvDataset', () => {
  it('loads WineQT: 1143 rows, 11 features, exact first row', () => {
    const ds = loadCsvDataset(WINE_CSV, {
      featureColumns: [],
      targetColumn: 'quality',
      excludeColumns: ['Id'],
    });
    expect(ds.nRows).toBe(1143);
    expect(ds.featureNames).toEqual(WINE_FEATURES);
    expect(ds.columns.map((c) => c[0])).toEqual([
      7.4, 0.7, 0.0, 1.9, 0.076, 11.0, 34.0, 0.9978, 3.51, 0.56, 9.4,
    ]);
    expect(ds.columns.every((c) => c.length === 1143)).toBe(true);
    expect(ds.targetName).toBe('quality');
    expect(ds.target[0]).toBe(5);
    expect(new Set(ds.target)).toEqual(new Set([3, 4, 5, 6, 7, 8]));
  });

  it('keeps the requested feature order and takes quoted, CRLF and BOM input', () => {
    const ds = loadCsvDataset(csvFile('\ufeffa,b,"y"\r\n1,2,0\r\n"3.5",-4e2,1\r\n\r\n'), {
      featureColumns: ['b', 'a'],
      targetColumn: 'y',
    });
    expect(ds.featureNames).toEqual(['b', 'a']);
    expect(Array.from(ds.columns[0])).toEqual([2, -400]);
    expect(Array.from(ds.columns[1])).toEqual([1, 3.5]);
    expect(Array.from(ds.target)).toEqual([0, 1]);
  });

  it('reports each problem in one line with file, row, line and column', () => {
    expect(loadError(null).message).toBe(
      `data/x.csv: file not found; run 'cellar data pull' or check the path`,
    );
    expect(loadError('').message).toBe(
      'data/x.csv: file is empty (expected a header line); re-create or re-pull the file',
    );
    expect(loadError('a,b,y\n').message).toBe(
      'data/x.csv: has a header but no data rows; add rows or re-pull the file',
    );
    expect(loadError('a,b,y\n1,2,3\n', { targetColumn: 'quality' }).message).toBe(
      "data/x.csv: missing column 'quality' (columns: a, b, y)",
    );
    const nan = loadError('a,b,y\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,2,3\n1,abc,3\n');
    expect(nan.message).toBe("data/x.csv: row 7 (line 8), column 'b': 'abc' is not a number");
    expect([nan.code, nan.row, nan.column, nan.file]).toEqual(['NOT_A_NUMBER', 7, 'b', 'data/x.csv']);
    expect(loadError('a,b,y\n1,,3\n').message).toBe(
      "data/x.csv: row 1 (line 2), column 'b' is empty; fill it in or drop the row",
    );
    expect(loadError('a,b,y\n1,2,3\n1,2\n').message).toBe(
      'data/x.csv: row 2 (line 3) has 2 fields, expected 3 like the header; fix that line',
    );
    expect(loadError('a,a,y\n1,2,3\n').message).toBe(
      "data/x.csv: column 'a' appears twice in the header; rename one",
    );
    expect(loadError('a,b,y\n1,2,3\n', { featureColumns: ['a', 'y'] }).message).toBe(
      "data/x.csv: target column 'y' is also listed as a feature; remove it from the features",
    );
    expect(loadError('a,b,y\n1,"2,3\n').code).toBe('INVALID_CSV');
  });

  it('ignores non-numeric columns that are not requested', () => {
    const ds = loadCsvDataset(csvFile('name,a,b,y\nfoo,1,2,0\nbar,3,4,1\n'), {
      featureColumns: ['a', 'b'],
      targetColumn: 'y',
    });
    expect(Array.from(ds.columns[1])).toEqual([2, 4]);
  });
});

describe('loadCsvTable and takeRows', () => {
  it('loads selected columns without a target', () => {
    const t = loadCsvTable(csvFile('a,b,c\n1,2,3\n4,5,6\n'), { columns: ['c', 'a'] });
    expect(t).toEqual({
      columns: { c: Float64Array.from([3, 6]), a: Float64Array.from([1, 4]) },
      text: {},
      nRows: 2,
      header: ['a', 'b', 'c'],
    });
    expect(() => loadCsvTable(csvFile('a\n1\n'), { columns: ['z'], displayPath: 'in.csv' })).toThrow(
      "in.csv: missing column 'z' (columns: a)",
    );
  });

  it('keeps text columns as written and leaves unselected columns unparsed', () => {
    const t = loadCsvTable(csvFile('name,x,Id\nChateau X, 1.5 ,w-1\n"B, c",2,007\n'), {
      columns: ['x'],
      textColumns: ['Id', 'absent'],
    });
    expect(t.columns).toEqual({ x: Float64Array.from([1.5, 2]) });
    expect(t.text).toEqual({ Id: ['w-1', '007'] });
    expect(() => loadCsvTable(csvFile('name,x\nChateau X,1\n'), { displayPath: 'in.csv' })).toThrow(
      "in.csv: row 1 (line 2), column 'name': 'Chateau X' is not a number",
    );
  });

  it('takes rows in the given order', () => {
    const ds = loadCsvDataset(csvFile('a,y\n10,0\n11,1\n12,0\n'), {
      featureColumns: ['a'],
      targetColumn: 'y',
    });
    const sub = takeRows(ds, [2, 0]);
    expect(Array.from(sub.columns[0])).toEqual([12, 10]);
    expect(Array.from(sub.target)).toEqual([0, 0]);
    expect(sub.nRows).toBe(2);
    expect(() => takeRows(ds, [3])).toThrow('takeRows: index 3 at position 0 is outside 0..2');
  });
});
