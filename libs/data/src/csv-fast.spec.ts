import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { loadCsvDataset, loadCsvTable } from './csv-dataset';
import { readCsvColumnsFast } from './csv-fast';
import { DataError } from './data-error';
import { makeTempDir, WINE_CSV } from './test-utils';

function csvFile(content: string): string {
  const file = path.join(makeTempDir(), 'x.csv');
  fs.writeFileSync(file, content);
  return file;
}

const all = (header: string[]) => header.map((_, i) => i);

/** What the csv-parse loader computes: Number() of every cell, column by column. */
function viaCsvParse(file: string): Float64Array[] {
  const rows = parse(fs.readFileSync(file, 'utf8'), { bom: true, skip_empty_lines: true }) as string[][];
  return rows[0].map((_, j) => Float64Array.from(rows.slice(1), (r) => Number(r[j])));
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return (
    a.length === b.length &&
    Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
      Buffer.from(b.buffer, b.byteOffset, b.byteLength),
    )
  );
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

describe('readCsvColumnsFast', () => {
  it('reads WineQT bit for bit like the csv-parse path, at any chunk size', () => {
    const want = viaCsvParse(WINE_CSV);
    for (const chunkSize of [undefined, 4096, 7]) {
      const fast = readCsvColumnsFast(WINE_CSV, 'w.csv', all, { chunkSize });
      expect(fast?.nRows).toBe(1143);
      fast!.columns.forEach((col, j) => expect(sameBits(col, want[j])).toBe(true));
    }
  });

  it('gives the same doubles as Number() for every form the loader accepts', () => {
    const cells = [
      '1e-3',
      '-0.5',
      '.5',
      '5.',
      '+3',
      ' 7 ',
      '\t8',
      '-0',
      '0',
      '00.000',
      '1E+2',
      '2e-0',
      '1e400',
      '-1e-400',
      '0.1',
      '0.3',
      '123456789012345',
      '1234567890123456789',
      '0.1234567890123456789',
      '9007199254740993',
      '1.7976931348623157e308',
      '4.9e-324',
      '2.2250738585072014e-308',
      '3.14159265358979',
      '1e22',
      '1e23',
      '1e-22',
      '1e-23',
      '٣'.replace('٣', '9'),
    ];
    const file = csvFile('v\n' + cells.join('\n') + '\n');
    const fast = readCsvColumnsFast(file, 'x.csv', all);
    const want = Float64Array.from(cells, Number);
    expect(sameBits(fast!.columns[0], want)).toBe(true);
  });

  it('matches Number() on random decimals split across tiny chunks', () => {
    let seed = 1;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const lines: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const digits = String(Math.floor(rnd() * 1e17)).slice(0, 1 + Math.floor(rnd() * 17));
      const dot = Math.floor(rnd() * (digits.length + 1));
      const exp = rnd() < 0.3 ? `e${Math.floor(rnd() * 60) - 30}` : '';
      lines.push(`${rnd() < 0.5 ? '-' : ''}${digits.slice(0, dot)}.${digits.slice(dot)}${exp},${i}`);
    }
    const file = csvFile('a,b\r\n' + lines.join('\r\n') + '\r\n');
    const fast = readCsvColumnsFast(file, 'x.csv', all, { chunkSize: 13 });
    expect(
      sameBits(
        fast!.columns[0],
        Float64Array.from(lines, (l) => Number(l.split(',')[0])),
      ),
    ).toBe(true);
    expect(fast!.columns[1][2999]).toBe(2999);
  });

  it('rejects exactly what the loader rejects, naming row, line and column', () => {
    for (const cell of ['NaN', 'inf', 'Infinity', '-inf', '0x10', '.', '1e', 'e5', '1.2.3', '1_0', '- 1']) {
      const err = caught(() => loadCsvTable(csvFile(`a,b\n1,2\n3,${cell}\n`), { displayPath: 'n.csv' }));
      expect(err.message).toBe(`n.csv: row 2 (line 3), column 'b': '${cell}' is not a number`);
    }
    const empty = caught(() => loadCsvTable(csvFile('a,b\n1,2\n\n3, \n'), { displayPath: 'd.csv' }));
    expect(empty.message).toBe("d.csv: row 2 (line 4), column 'b' is empty; fill it in or drop the row");
  });

  it('names the right cell in the middle of a multi-chunk file, first column in request order first', () => {
    const rows = Array.from({ length: 300_000 }, (_, i) => `${i}.25,${i % 7}.125,${i % 2}`);
    rows[150_000] = '150000.25,x7,0';
    rows[170_000] = 'oops,1,0';
    const file = csvFile('a,b,y\n' + rows.join('\n') + '\n');
    expect(fs.statSync(file).size).toBeGreaterThan(4 << 20);
    const err = caught(() =>
      loadCsvDataset(file, { featureColumns: ['b', 'a'], targetColumn: 'y', displayPath: 'big.csv' }),
    );
    expect(err.message).toBe("big.csv: row 150001 (line 150002), column 'b': 'x7' is not a number");
    expect([err.code, err.row, err.column]).toEqual(['NOT_A_NUMBER', 150001, 'b']);
    const err2 = caught(() =>
      loadCsvDataset(file, { featureColumns: ['a'], targetColumn: 'y', displayPath: 'big.csv' }),
    );
    expect(err2.message).toBe("big.csv: row 170001 (line 170002), column 'a': 'oops' is not a number");
  });

  it('reports the first ragged row even after bad cells, and skips unrequested text columns', () => {
    expect(caught(() => loadCsvTable(csvFile('a,b\nx,1\n1,2,3\n'), { displayPath: 'r.csv' })).message).toBe(
      'r.csv: row 2 (line 3) has 3 fields, expected 2 like the header; fix that line',
    );
    const t = loadCsvTable(csvFile('name,a\nfoo bar,1\n"q",2\n'), { columns: ['a'] });
    expect(Array.from(t.columns.a)).toEqual([1, 2]);
    const plain = readCsvColumnsFast(csvFile('name,a\nfoo bar,1\nbaz,2'), 'x.csv', () => [1]);
    expect(Array.from(plain!.columns[0])).toEqual([1, 2]);
  });

  it('leaves quoted, CR-only and mixed-ending files to csv-parse, with the same result', () => {
    expect(readCsvColumnsFast(csvFile('a,y\r\n1,0\n2,1\r\n'), 'x.csv', all)).toBeUndefined();
    for (const text of ['a,y\r1,0\r2,1\r', 'a,y\n"1",0\n2,1\n', 'a,y\n1,0\r\n2,1\n']) {
      const file = csvFile(text);
      expect(readCsvColumnsFast(file, 'x.csv', all)).toBeUndefined();
      const ds = loadCsvDataset(file, { featureColumns: ['a'], targetColumn: 'y' });
      expect(Array.from(ds.columns[0])).toEqual([1, 2]);
    }
  });
});
