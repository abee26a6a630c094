import { z } from 'zod';

// Every check carries its own one-line message; the key path, source file and `(got ...)` are
// added when the issue is described (describe-issue.ts).

export function intAtLeast(min: number) {
  const error = `must be an integer >= ${min}`;
  return z.number({ error }).int({ error }).min(min, { error });
}

/** Seeds: mulberry32 takes any 32-bit integer, but negative seeds are refused as scikit-learn does. */
export const seed = intAtLeast(0);

export const positive = z.number({ error: 'must be a number > 0' }).gt(0, { error: 'must be > 0' });

export const text = z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' });

export function fraction(error: string, closedTop: boolean) {
  const base = z.number({ error }).gt(0, { error });
  return closedTop ? base.max(1, { error }) : base.lt(1, { error });
}
