import { DataError } from './data-error';

/** The delimiters a header line is tried against, in tie-break order. */
export const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The delimiter that splits `headerLine` into the most fields, counting only characters outside
 * double quotes; ',' when none occurs (a one-column file).
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const ch of headerLine) {
    if (ch === '"') quoted = !quoted;
    else if (!quoted && counts.has(ch)) counts.set(ch, counts.get(ch)! + 1);
  }
  let best = ',';
  for (const d of DELIMITERS) if (counts.get(d)! > counts.get(best)!) best = d;
  return best;
}

/** Checks a user-given delimiter: one character, not a quote or a line break. */
export function checkDelimiter(delimiter: string, shown: string): string {
  if (delimiter.length !== 1 || delimiter === '"' || delimiter === '\n' || delimiter === '\r') {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${shown}: delimiter ${JSON.stringify(delimiter)} must be one character other than a quote or a line break`,
      { file: shown, key: 'delimiter' },
    );
  }
  return delimiter;
}

/**
 * Splits one header line on `delimiter` as csv-parse does: a cell either has no quote or is wholly
 * quoted (`""` inside is a quote). Anything else (a stray quote, text after a closing quote, an
 * unterminated quote) returns undefined, so that csv-parse reads the file and reports it.
 */
export function splitHeaderLine(line: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (line[i] === '"') {
      for (i++; ; i++) {
        if (i >= line.length) return undefined;
        if (line[i] === '"') {
          if (line[i + 1] !== '"') break;
          i++;
        }
        cell += line[i];
      }
      i++;
      if (i < line.length && line[i] !== delimiter) return undefined;
    } else {
      const end = line.indexOf(delimiter, i);
      cell = line.slice(i, end < 0 ? line.length : end);
      if (cell.includes('"')) return undefined;
      i = end < 0 ? line.length : end;
    }
    out.push(cell.trim());
    if (i >= line.length) return out;
    i++; // the delimiter
  }
}

/** How a delimiter is written in messages and YAML. */
export function showDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `'${delimiter}'`;
}
