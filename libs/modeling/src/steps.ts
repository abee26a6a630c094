/**
 * A long fit as a generator that yields between its steps (a tree, a boosting stage, an L-BFGS
 * iteration): runSteps drives it straight through, runStepsAsync gives the event loop a turn now
 * and then, so that Ctrl-C, timers and I/O are served during a fit of minutes.
 */
export type Steps<T> = Generator<void, T, void>;

export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * Like runSteps, with a turn of the event loop at the first step boundary after every `sliceMs`;
 * `stop` is asked at every step, and a true answer ends the steps (their `finally` blocks run) and
 * rejects with what `interrupted` makes.
 */
export async function runStepsAsync<T>(
  steps: Steps<T>,
  o: { sliceMs?: number; stop?: () => boolean; interrupted?: () => Error } = {},
): Promise<T> {
  const sliceMs = o.sliceMs ?? 50;
  let last = performance.now();
  for (;;) {
    if (o.stop?.()) {
      steps.return(undefined as T);
      throw o.interrupted?.() ?? new Error('interrupted');
    }
    const r = steps.next();
    if (r.done) return r.value;
    if (performance.now() - last >= sliceMs) {
      await new Promise((resolve) => setImmediate(resolve));
      last = performance.now();
    }
  }
}
