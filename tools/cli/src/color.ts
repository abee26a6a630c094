import picocolors from 'picocolors';
import type { Colors } from 'picocolors/types';

/** Colours only on a terminal, and never when NO_COLOR is set to anything but '' (no-color.org). */
export function useColor(stream: { isTTY?: boolean }, env: Record<string, string | undefined>): boolean {
  return stream.isTTY === true && (env.NO_COLOR === undefined || env.NO_COLOR === '');
}

export function colorsFor(io: {
  stdout: { isTTY?: boolean };
  env: Record<string, string | undefined>;
}): Colors {
  return picocolors.createColors(useColor(io.stdout, io.env));
}

/** FINISHED green, FAILED red, KILLED yellow, RUNNING cyan; '(stale)' stays plain. */
export function statusPainter(c: Colors): (cell: string) => string {
  return (cell) => {
    const [status, ...rest] = cell.split(' ');
    const paint =
      status === 'FINISHED'
        ? c.green
        : status === 'FAILED'
          ? c.red
          : status === 'KILLED'
            ? c.yellow
            : status === 'RUNNING'
              ? c.cyan
              : (s: string) => s;
    return [paint(status), ...rest].join(' ');
  };
}
