import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sweepPointId, type SweepSpec } from '@cellar/config';
import type { SweepJobResult } from './types';

/**
 * The sweep's results as its points left them: `<pointsDir>/<id>/metrics.json` per grid point, in
 * grid order. A missing file is a failed row naming the point, not an error: the table shows the rest.
 */
export function readSweepResults(root: string, spec: SweepSpec, pointsDir: string): SweepJobResult[] {
  return spec.runs.map((run, index) => {
    const id = sweepPointId(run);
    const file = join(pointsDir, id, 'metrics.json');
    if (!existsSync(join(root, file))) {
      return { index, ok: false, error: `point ${id} has no ${file} (it did not run)`, ms: 0 };
    }
    const metrics = JSON.parse(readFileSync(join(root, file), 'utf8')) as Record<string, unknown>;
    const numeric = Object.fromEntries(
      Object.entries(metrics).filter((e): e is [string, number] => typeof e[1] === 'number'),
    );
    return { index, ok: true, metrics: numeric, runId: null, ms: 0 };
  });
}
