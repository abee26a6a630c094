// One short line per tracked data file, for the pull and push executors (not a train input: see constants.ts).

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function transferLines(
  results: Array<{ status: string; path: string; size: number; nfiles?: number }>,
  verb: 'fetched' | 'uploaded',
): string[] {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const plural = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
  const restored = count('restored');
  return [
    ...results.map(
      (r) =>
        `${r.status.padEnd(10)} ${r.path} (${r.nfiles === undefined ? '' : `${plural(r.nfiles)}, `}${formatBytes(r.size)})`,
    ),
    `${plural(count(verb))} ${verb}, ${restored > 0 ? `${restored} restored from .cellar/cache, ` : ''}${count('up-to-date')} up to date`,
  ];
}
