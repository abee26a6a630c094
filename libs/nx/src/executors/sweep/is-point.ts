import type { SweepPointExecutorOptions } from '../sweep-point/schema';
import type { SweepExecutorOptions } from './schema';

/** A point's options (they name one, by id) rather than a sweep table's. */
export function isPoint(
  options: SweepExecutorOptions | SweepPointExecutorOptions,
): options is SweepPointExecutorOptions {
  return typeof (options as SweepPointExecutorOptions).id === 'string';
}
