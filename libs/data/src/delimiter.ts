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
 * Splits one header line on `delimiter`, honouring double quotes (`""` inside quotes is a quote).
 * Returns undefined for an unterminated quote, which csv-parse then reports.
 */
export function splitHeaderLine(line: string, delimiter: string): string[] | undefined {
  const out: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) {
      out.push(cell.trim());
      cell = '';
    } else cell += ch;
  }
  if (quoted) return undefined;
  out.push(cell.trim());
  return out;
}

/** How a delimiter is written in messages and YAML. */
export function showDelimiter(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `'${delimiter}'`;
}
