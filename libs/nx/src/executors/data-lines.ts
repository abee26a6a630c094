// One short line per tracked data file, for the pull and push executors (not a train input: see constants.ts).

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function transferLines(
  results: Array<{ status: string; path: string; size: number }>,
  verb: 'fetched' | 'uploaded',
): string[] {
  const moved = results.filter((r) => r.status !== 'up-to-date').length;
  return [
    ...results.map((r) => `${r.status.padEnd(10)} ${r.path} (${formatBytes(r.size)})`),
    `${moved} file${moved === 1 ? '' : 's'} ${verb}, ${results.length - moved} up to date`,
  ];
}
