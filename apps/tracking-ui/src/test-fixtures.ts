import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStatus, TrackingStore } from '@cellar/tracking';

/** What a seeded run should look like, so tests can compute expected rows independently. */
export interface SeededRun {
  runId: string;
  runName: string;
  algorithm: string;
  status: RunStatus;
  params: Record<string, string>;
  metrics: Record<string, number>;
}

export const ALGORITHMS = ['logreg', 'random_forest', 'knn'] as const;

/** A tiny confusion-matrix picture, like the one the evaluate target writes. */
export function confusionMatrixSvg(labels: string[], counts: number[][]): string {
  const cell = 36;
  const off = 40;
  const max = Math.max(1, ...counts.flat());
  const size = off + cell * labels.length + 4;
  const cells = counts
    .flatMap((row, r) =>
      row.map((n, c) => {
        const shade = Math.round(245 - (n / max) * 190);
        const x = off + c * cell;
        const y = off + r * cell;
        return (
          `<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${shade},${shade + 5},255)" stroke="#fff"/>` +
          `<text x="${x + cell / 2}" y="${y + cell / 2 + 4}" text-anchor="middle" font-size="12">${n}</text>`
        );
      }),
    )
    .join('');
  const heads = labels
    .map(
      (l, i) =>
        `<text x="${off + i * cell + cell / 2}" y="${off - 8}" text-anchor="middle" font-size="11">${l}</text>` +
        `<text x="${off - 8}" y="${off + i * cell + cell / 2 + 4}" text-anchor="end" font-size="11">${l}</text>`,
    )
    .join('');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${size}" height="${size}" viewBox="0 0 ${size} ${size}" font-family="sans-serif"><rect width="100%" height="100%" fill="#fff"/>${heads}${cells}</svg>\n`;
}

/**
 * Seeds `count` runs over three algorithms into experiment `experiment`.
 * Accuracies are distinct so orderings are exact; every 7th run (from the 4th) fails without metrics.
 */
export function seedRuns(
  store: TrackingStore,
  workDir: string,
  count = 20,
  experiment = 'wine-quality',
): SeededRun[] {
  const svgFile = path.join(workDir, 'confusion_matrix.svg');
  const labels = ['3', '4', '5', '6', '7', '8'];
  const counts = labels.map((_, r) => labels.map((__, c) => (r === c ? 20 + r * 7 : (r * 3 + c * 5) % 4)));
  fs.writeFileSync(svgFile, confusionMatrixSvg(labels, counts));
  const seeded: SeededRun[] = [];
  for (let i = 0; i < count; i++) {
    const algorithm = ALGORITHMS[i % ALGORITHMS.length];
    const runName = `${algorithm}-${String(i).padStart(2, '0')}`;
    const info = store.createRun({
      experiment,
      runName,
      tags: { algorithm },
      gitCommit: 'abc1234',
      dataMd5: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    const params: Record<string, string> = {
      model: algorithm,
      seed: String(i),
      test_size: i % 2 === 0 ? '0.2' : '0.25',
      ...(algorithm === 'logreg' ? { C: String(Number((0.1 * (1 + (i % 5))).toFixed(2))) } : {}),
      ...(algorithm === 'random_forest' ? { n_estimators: String(50 + 25 * (i % 4)) } : {}),
      ...(algorithm === 'knn' ? { n_neighbors: String(3 + (i % 6)) } : {}),
    };
    store.logParams(info.runId, params);
    const failed = i % 7 === 3;
    const metrics: Record<string, number> = failed
      ? {}
      : {
          accuracy: Number((0.5 + ((i * 7) % 20) / 50 + i / 10000).toFixed(4)),
          f1_macro: Number((0.3 + ((i * 11) % 17) / 40).toFixed(4)),
        };
    if (!failed) {
      store.logMetrics(info.runId, metrics);
      store.logArtifact(info.runId, svgFile, 'reports/confusion_matrix.svg');
    }
    const status: RunStatus = failed ? 'FAILED' : i === count - 1 ? 'RUNNING' : 'FINISHED';
    if (status !== 'RUNNING')
      store.endRun(
        info.runId,
        status,
        failed ? `train: ${algorithm} did not converge (seed ${i})` : undefined,
      );
    seeded.push({ runId: info.runId, runName, algorithm, status, params, metrics });
  }
  return seeded;
}

/** The repository root (the folder with nx.json), found from this file. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'nx.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no nx.json above ${__dirname}`);
    dir = up;
  }
  return dir;
}
