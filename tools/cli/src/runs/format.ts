export interface Column {
  header: string;
  align?: 'left' | 'right';
  /** Colours a body cell after its width is measured, so escape codes do not shift columns. */
  paint?: (cell: string) => string;
}

/** Plain aligned columns, two spaces apart, trailing spaces trimmed: greppable and stable. */
export function formatTable(columns: Column[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[], body: boolean) =>
    cells
      .map((cell, i) => {
        const gap = ' '.repeat(widths[i] - cell.length);
        const paint = columns[i].paint;
        const shown = body && paint !== undefined && cell !== '' ? paint(cell) : cell;
        return columns[i].align === 'right' ? gap + shown : shown + gap;
      })
      .join('  ')
      .trimEnd();
  return (
    [
      line(
        columns.map((c) => c.header),
        false,
      ),
      ...rows.map((r) =>
        line(
          columns.map((_, i) => r[i] ?? ''),
          true,
        ),
      ),
    ].join('\n') + '\n'
  );
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** UTC, so output is the same on every machine. */
export function formatTime(ms: number | null): string {
  if (ms === null) return '-';
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

export function formatDuration(start: number, end: number | null): string {
  if (end === null) return '-';
  const ms = Math.max(0, end - start);
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(ms / 1000);
  if (totalSeconds < 3600) return `${Math.floor(totalSeconds / 60)}m${pad2(totalSeconds % 60)}s`;
  const totalMinutes = Math.round(ms / 60_000);
  return `${Math.floor(totalMinutes / 60)}h${pad2(totalMinutes % 60)}m`;
}

/** Six significant digits, no float noise: 0.07000000000000006 -> 0.07. */
export function formatNumber(value: number | undefined): string {
  if (value === undefined) return '-';
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  return String(Number(value.toPrecision(6)));
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}

/** KILLED (stale): the run's process is gone, but the read-only store still records it RUNNING. */
export function formatStatus(info: { status: string; stale?: boolean }): string {
  return info.stale ? `${info.status} (stale)` : info.status;
}

export function shortId(runId: string): string {
  return runId.slice(0, 8);
}

/** Cut to width characters, the last one an ellipsis. */
export function truncate(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** The widest a cell may be so every line of formatTable (two spaces between columns) fits width. */
export function fitCellWidth(rows: string[][], width: number, min = 8): number {
  const count = Math.max(...rows.map((r) => r.length));
  const widths = Array.from({ length: count }, (_, i) =>
    Math.max(0, ...rows.map((r) => (r[i] ?? '').length)),
  );
  const total = (cap: number) => widths.reduce((sum, w) => sum + Math.min(w, cap), 2 * (count - 1));
  let cap = Math.max(...widths);
  while (cap > min && total(cap) > width) cap--;
  return cap;
}
