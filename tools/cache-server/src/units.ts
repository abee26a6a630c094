import { CacheServerError } from './errors';

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1000,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1000 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1000 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1000 ** 4,
  tib: 1024 ** 4,
};

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/** Parses `512MiB`, `10GiB`, `1.5GB`, `4096` (bytes) into a byte count. */
export function parseSize(text: string, key = 'size'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  const factor = match ? SIZE_UNITS[(match[2] || 'b').toLowerCase()] : undefined;
  if (!match || factor === undefined) {
    throw new CacheServerError(
      'BAD_OPTION',
      `${key}: cannot read size '${text}'; use a number with B, KiB, MiB, GiB, TiB, KB, MB, GB or TB (e.g. 512MiB)`,
      { key },
    );
  }
  return Math.floor(Number(match[1]) * factor);
}

/** Parses `30d`, `12h`, `90s`, `500ms`, `2w` into milliseconds. */
export function parseDuration(text: string, key = 'duration'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!match) {
    throw new CacheServerError(
      'BAD_OPTION',
      `${key}: cannot read duration '${text}'; use a number with ms, s, m, h, d or w (e.g. 30d)`,
      { key },
    );
  }
  return Math.floor(Number(match[1]) * DURATION_UNITS[match[2]]);
}
