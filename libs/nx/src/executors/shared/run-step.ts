import type { ExecutorContext } from '@nx/devkit';

/**
 * Executors log and return `{ success: false }` rather than throw: Nx would print a stack trace
 * for a thrown error, and a user error deserves one line. `--verbose` adds the stack.
 */
export async function runStep(
  step: string,
  context: Pick<ExecutorContext, 'isVerbose' | 'projectName'>,
  fn: () => Promise<void>,
): Promise<{ success: boolean }> {
  try {
    await fn();
    return { success: true };
  } catch (e) {
    console.error(formatStepError(step, context.projectName, e, context.isVerbose));
    return { success: false };
  }
}

export function formatStepError(
  step: string,
  project: string | undefined,
  e: unknown,
  verbose: boolean,
): string {
  const err = e instanceof Error ? e : new Error(String(e));
  const where = project ? `${project}:${step}` : step;
  const known = typeof (err as { code?: unknown }).code === 'string';
  const line = `${where} failed: ${err.message.split('\n')[0]}`;
  if (verbose) return `${line}\n${err.stack ?? ''}`;
  return known ? line : `${line} (run with --verbose for the stack trace)`;
}

/**
 * A progress line, `label 40/100, elapsed 12.3s, ETA 18.5s`: redrawn in place on a terminal, once
 * per quarter otherwise (CI logs and Nx's captured output stay short). The ETA leaves out the first
 * step, which pays the JIT's warm-up (a first tree can take ten times the others).
 */
export function progressLine(
  out: Pick<NodeJS.WriteStream, 'write' | 'isTTY'> = process.stdout,
  now = Date.now,
) {
  let lastQuarter = -1;
  const started = now();
  let first: { done: number; at: number } | undefined;
  return (label: string, done: number, total: number) => {
    const at = now();
    first ??= { done, at };
    const elapsed = `elapsed ${((at - started) / 1000).toFixed(1)}s`;
    const steps = done - first.done;
    const eta =
      steps > 0
        ? `, ETA ${((((at - first.at) / steps) * Math.max(total - done, 0)) / 1000).toFixed(1)}s`
        : '';
    const text = `${label} ${done}/${total}, ${elapsed}${eta}`;
    if (out.isTTY) {
      out.write(`\r${text}${done === total ? '\n' : ''}`);
      return;
    }
    const quarter = Math.floor((4 * done) / Math.max(total, 1));
    if (quarter !== lastQuarter) {
      lastQuarter = quarter;
      out.write(`${text}\n`);
    }
  };
}

/** `elapsed 4.1s, ETA 16.4s` for `done` of `total` equal steps; no ETA before the first step. */
export function elapsedAndEta(done: number, total: number, elapsedMs: number): string {
  const elapsed = `elapsed ${(elapsedMs / 1000).toFixed(1)}s`;
  if (done <= 0) return elapsed;
  return `${elapsed}, ETA ${(((elapsedMs / done) * Math.max(total - done, 0)) / 1000).toFixed(1)}s`;
}
