import { TrackingError } from '../errors';

export type TokenKind = 'ident' | 'string' | 'number' | 'op' | 'lparen' | 'rparen' | 'comma' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Identifier text (for `metrics."f1"`: `metrics.`), unquoted string, operator, or number text. */
  text: string;
  /** Set on identifiers ending in a quoted key: `metrics."f1 macro"` -> `f1 macro`. */
  quotedKey?: string;
  /** 1-based column of the first character. */
  column: number;
  /** The token as written, for error messages. */
  raw: string;
}

const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_.\-/:]/;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/;

/** What the user wrote, plus a caret under `column` (1-based). */
export function caretLine(source: string, column: number): string {
  return `  ${source}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}

export function syntaxError(label: string, source: string, column: number, message: string): TrackingError {
  return new TrackingError(label === 'filter' ? 'INVALID_FILTER' : 'INVALID_ORDER', `${label}: ${message}`, {
    column,
    caret: caretLine(source, column),
  });
}

export function tokenize(source: string, label = 'filter'): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const fail = (at: number, message: string): never => {
    throw syntaxError(label, source, at + 1, message);
  };
  const readQuoted = (start: number): { value: string; end: number } => {
    const quote = source[start];
    let value = '';
    let j = start + 1;
    for (;;) {
      if (j >= source.length)
        fail(
          start,
          `unterminated ${quote === '`' ? 'key' : 'string'} starting at column ${start + 1}; close it with ${quote}`,
        );
      const ch = source[j];
      if (ch === '\\' && j + 1 < source.length) {
        value += source[j + 1];
        j += 2;
      } else if (ch === quote) {
        // A doubled quote is an escaped quote, as in SQL.
        if (source[j + 1] === quote) {
          value += quote;
          j += 2;
        } else {
          return { value, end: j + 1 };
        }
      } else {
        value += ch;
        j += 1;
      }
    }
  };

  while (i < source.length) {
    const ch = source[i];
    if (/\s/.test(ch)) {
      i += 1;
      continue;
    }
    const start = i;
    if (ch === '(' || ch === ')' || ch === ',') {
      tokens.push({
        kind: ch === '(' ? 'lparen' : ch === ')' ? 'rparen' : 'comma',
        text: ch,
        raw: ch,
        column: start + 1,
      });
      i += 1;
    } else if (ch === "'" || ch === '"') {
      const { value, end } = readQuoted(i);
      tokens.push({ kind: 'string', text: value, raw: source.slice(start, end), column: start + 1 });
      i = end;
    } else if (ch === '`') {
      fail(i, `a backtick-quoted key needs a prefix at column ${i + 1}, e.g. params.\`model.C\``);
    } else if ('=!<>'.includes(ch)) {
      const two = source.slice(i, i + 2);
      const op = ['!=', '<>', '<=', '>=', '=='].includes(two) ? two : ch;
      if (op === '!') fail(i, `unexpected '!' at column ${i + 1}; use != or NOT`);
      tokens.push({
        kind: 'op',
        text: op === '<>' ? '!=' : op === '==' ? '=' : op,
        raw: op,
        column: start + 1,
      });
      i += op.length;
    } else if (/[-\d.]/.test(ch) && NUMBER.test(source.slice(i))) {
      const text = NUMBER.exec(source.slice(i))![0];
      tokens.push({ kind: 'number', text, raw: text, column: start + 1 });
      i += text.length;
      if (i < source.length && IDENT_START.test(source[i]))
        fail(i, `unexpected '${source[i]}' after number at column ${i + 1}`);
    } else if (IDENT_START.test(ch)) {
      let j = i + 1;
      while (j < source.length && IDENT_PART.test(source[j])) j += 1;
      const text = source.slice(i, j);
      if (text.endsWith('.') && (source[j] === '"' || source[j] === '`')) {
        const { value, end } = readQuoted(j);
        tokens.push({
          kind: 'ident',
          text,
          quotedKey: value,
          raw: source.slice(start, end),
          column: start + 1,
        });
        i = end;
      } else {
        tokens.push({ kind: 'ident', text, raw: text, column: start + 1 });
        i = j;
      }
    } else {
      fail(i, `unexpected character '${ch}' at column ${i + 1}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', raw: '', column: source.length + 1 });
  return tokens;
}
