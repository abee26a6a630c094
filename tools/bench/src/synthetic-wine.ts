// Seeded WineQT-shaped tables for the scale benchmarks: WineQT rows resampled with replacement,
// each feature jittered by gaussian noise of 10% of its standard deviation (clamped at 0, since
// every wine feature is non-negative) and printed with about 5 significant digits, plus quality
// and Id. 1M rows make a 90 MB file.
import fs from 'node:fs';
import path from 'node:path';
import { createRng } from '@cellar/data';

export const ROOT = path.resolve(__dirname, '../../..');
export const WINE_CSV = path.resolve(ROOT, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

export interface WineTable {
  featureNames: string[];
  columns: Float64Array[];
  y: Float64Array;
}

export function readWine(file = WINE_CSV): WineTable {
  if (!fs.existsSync(file))
    throw new Error(`${file} not found: the example remote (data/remote) is missing from the checkout`);
  const lines = fs.readFileSync(file, 'utf8').trim().split(/\r?\n/);
  const header = lines[0].split(',');
  const target = header.indexOf('quality');
  const feats = header.map((_, j) => j).filter((j) => j !== target && header[j] !== 'Id');
  const rows = lines.slice(1).map((l) => l.split(',').map(Number));
  return {
    featureNames: feats.map((j) => header[j]),
    columns: feats.map((j) => Float64Array.from(rows, (r) => r[j])),
    y: Float64Array.from(rows, (r) => r[target]),
  };
}

/** Writes `rows` synthetic rows (header as WineQT's) to `file`; same seed, same bytes. */
export function writeSyntheticWine(file: string, rows: number, seed: number): void {
  const wine = readWine();
  const rng = createRng(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const mean = wine.columns.map((c) => c.reduce((a, b) => a + b, 0) / c.length);
  const sd = wine.columns.map((c, j) => Math.sqrt(c.reduce((a, b) => a + (b - mean[j]) ** 2, 0) / c.length));
  const decimals = mean.map((m) => Math.max(0, 4 - Math.floor(Math.log10(m))));
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, [...wine.featureNames, 'quality', 'Id'].join(',') + '\n');
    const batch: string[] = [];
    for (let i = 0; i < rows; i++) {
      const r = rng.nextInt(wine.y.length);
      let line = '';
      for (let j = 0; j < wine.columns.length; j++) {
        line += Math.max(0, wine.columns[j][r] + 0.1 * sd[j] * gauss()).toFixed(decimals[j]) + ',';
      }
      batch.push(`${line}${wine.y[r]},${i}`);
      if (batch.length === 10_000 || i === rows - 1) {
        fs.writeSync(fd, batch.join('\n') + '\n');
        batch.length = 0;
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
