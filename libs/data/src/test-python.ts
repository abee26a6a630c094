// Test-only: run a short Python script with the system's scikit-learn/numpy, JSON in on stdin and
// JSON out on stdout. Specs that compare against scikit-learn skip only when CELLAR_SKIP_SKLEARN=1;
// otherwise a missing scikit-learn fails them, as in libs/modeling's quality spec.
import { spawnSync } from 'node:child_process';

export const PYTHON = '/usr/bin/python3';
export const SKIP_SKLEARN = process.env.CELLAR_SKIP_SKLEARN === '1';

export function runPython<T>(script: string, input: unknown): T {
  const run = spawnSync(PYTHON, ['-c', script], {
    input: JSON.stringify(input),
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (run.error || run.status !== 0) {
    const why = run.error ? run.error.message : run.stderr.trim().split('\n').pop();
    throw new Error(
      `${PYTHON} failed (${why}): install numpy and scikit-learn (apt-get install python3-sklearn) or set CELLAR_SKIP_SKLEARN=1 to skip this check`,
    );
  }
  return JSON.parse(run.stdout) as T;
}
