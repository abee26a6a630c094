import { syntaxError, Token, tokenize } from './tokenizer';

export type Entity = 'metric' | 'param' | 'tag' | 'attribute';

export const ATTRIBUTES = [
  'status',
  'run_name',
  'run_id',
  'start_time',
  'end_time',
  'experiment',
  'git_commit',
  'config_hash',
  'data_md5',
  'user_id',
  'lifecycle_stage',
] as const;
export type Attribute = (typeof ATTRIBUTES)[number];
const TIME_ATTRIBUTES = new Set<string>(['start_time', 'end_time']);

export interface KeyRef {
  entity: Entity;
  key: string;
  column: number;
}

export type ComparisonOp = '=' | '!=' | '<' | '<=' | '>' | '>=';
export type FilterNode =
  | { kind: 'and' | 'or'; left: FilterNode; right: FilterNode }
  | { kind: 'not'; expr: FilterNode }
  | { kind: 'compare'; ref: KeyRef; op: ComparisonOp; value: string | number }
  | { kind: 'like'; ref: KeyRef; caseInsensitive: boolean; negated: boolean; pattern: string }
  | { kind: 'in'; ref: KeyRef; negated: boolean; values: (string | number)[] }
  | { kind: 'null'; ref: KeyRef; negated: boolean };

export interface OrderTerm {
  ref: KeyRef;
  descending: boolean;
}

const PREFIXES: Record<string, Entity> = {
  metrics: 'metric',
  metric: 'metric',
  params: 'param',
  param: 'param',
  parameters: 'param',
  tags: 'tag',
  tag: 'tag',
  attributes: 'attribute',
  attribute: 'attribute',
  attr: 'attribute',
  run: 'attribute',
};
const ATTRIBUTE_ALIASES: Record<string, Attribute> = {
  run_name: 'run_name',
  runname: 'run_name',
  name: 'run_name',
  run_id: 'run_id',
  id: 'run_id',
  status: 'status',
  start_time: 'start_time',
  end_time: 'end_time',
  experiment: 'experiment',
  experiment_name: 'experiment',
  git_commit: 'git_commit',
  config_hash: 'config_hash',
  data_md5: 'data_md5',
  user_id: 'user_id',
  lifecycle_stage: 'lifecycle_stage',
};

const KEYWORDS = new Set(['and', 'or', 'not', 'like', 'ilike', 'in', 'is', 'null', 'asc', 'desc']);

function describe(token: Token): string {
  return token.kind === 'eof' ? 'end of input' : `'${token.raw}'`;
}

/** Parentheses and NOT nest by recursion; past this a crafted filter would overflow the stack. */
export const MAX_FILTER_DEPTH = 100;
/** Each condition deepens the SQL expression; SQLite refuses a tree deeper than 1000. */
export const MAX_FILTER_CONDITIONS = 500;
/** IN values become SQL variables; SQLite allows 32766 in all. */
export const MAX_FILTER_IN_VALUES = 10_000;

class Parser {
  private pos = 0;
  private depth = 0;
  private conditions = 0;
  private inValues = 0;
  constructor(
    private readonly source: string,
    private readonly tokens: Token[],
    private readonly label: string,
  ) {}

  peek(): Token {
    return this.tokens[this.pos];
  }
  next(): Token {
    const token = this.tokens[this.pos];
    if (token.kind !== 'eof') this.pos += 1;
    return token;
  }
  isKeyword(word: string, token = this.peek()): boolean {
    return token.kind === 'ident' && token.quotedKey === undefined && token.text.toLowerCase() === word;
  }
  fail(token: Token, what: string): never {
    throw syntaxError(
      this.label,
      this.source,
      token.column,
      `expected ${what} at column ${token.column} (got ${describe(token)})`,
    );
  }
  failAt(token: Token, message: string): never {
    throw syntaxError(this.label, this.source, token.column, `${message} at column ${token.column}`);
  }

  parseOr(): FilterNode {
    let left = this.parseAnd();
    while (this.isKeyword('or')) {
      this.next();
      left = { kind: 'or', left, right: this.parseAnd() };
    }
    return left;
  }
  parseAnd(): FilterNode {
    let left = this.parseNot();
    while (this.isKeyword('and')) {
      this.next();
      left = { kind: 'and', left, right: this.parseNot() };
    }
    return left;
  }
  parseNot(): FilterNode {
    if (this.isKeyword('not')) {
      this.enter(this.next());
      const expr = this.parseNot();
      this.depth -= 1;
      return { kind: 'not', expr };
    }
    return this.parsePrimary();
  }
  parsePrimary(): FilterNode {
    const token = this.peek();
    if (token.kind === 'lparen') {
      this.enter(this.next());
      const inner = this.parseOr();
      const close = this.peek();
      if (close.kind !== 'rparen') this.fail(close, "')' or AND/OR");
      this.next();
      this.depth -= 1;
      return inner;
    }
    return this.parseComparison();
  }
  private enter(token: Token): void {
    this.depth += 1;
    if (this.depth > MAX_FILTER_DEPTH)
      this.failAt(
        token,
        `nesting is deeper than ${MAX_FILTER_DEPTH} levels of parentheses and NOT; flatten the filter`,
      );
  }

  parseKey(): KeyRef {
    const token = this.peek();
    if (token.kind !== 'ident' || (token.quotedKey === undefined && KEYWORDS.has(token.text.toLowerCase()))) {
      this.fail(token, 'a key such as metrics.accuracy, params.C, tags.x or status');
    }
    this.next();
    const column = token.column;
    let prefix: string;
    let key: string;
    if (token.quotedKey !== undefined) {
      prefix = token.text.slice(0, -1);
      key = token.quotedKey;
    } else {
      const dot = token.text.indexOf('.');
      prefix = dot < 0 ? '' : token.text.slice(0, dot);
      key = dot < 0 ? token.text : token.text.slice(dot + 1);
    }
    const entity = prefix === '' ? undefined : PREFIXES[prefix.toLowerCase()];
    if (prefix === '' || entity === 'attribute') {
      const attribute = ATTRIBUTE_ALIASES[key.toLowerCase()];
      if (attribute === undefined) {
        const hint =
          prefix === ''
            ? `; use metrics.${key}, params.${key}, tags.${key} or an attribute`
            : '; attributes are';
        this.failAt(
          token,
          `unknown ${prefix === '' ? 'key' : 'attribute'} '${token.raw}'${hint} (${ATTRIBUTES.join(', ')})`,
        );
      }
      return { entity: 'attribute', key: attribute, column };
    }
    if (entity === undefined) {
      this.failAt(
        token,
        `unknown key prefix '${prefix}' in '${token.raw}'; use metrics., params., tags. or attributes.`,
      );
    }
    if (key === '') this.failAt(token, `missing key after '${prefix}.'`);
    return { entity, key, column };
  }

  parseComparison(): FilterNode {
    if (++this.conditions > MAX_FILTER_CONDITIONS)
      this.failAt(
        this.peek(),
        `more than ${MAX_FILTER_CONDITIONS} conditions; use IN for alternatives or split the search`,
      );
    const ref = this.parseKey();
    const token = this.peek();
    if (token.kind === 'op') {
      this.next();
      const value = this.parseValue(ref);
      return { kind: 'compare', ref, op: token.text as ComparisonOp, value };
    }
    if (this.isKeyword('is')) {
      this.next();
      let negated = false;
      if (this.isKeyword('not')) {
        this.next();
        negated = true;
      }
      if (!this.isKeyword('null')) this.fail(this.peek(), 'NULL');
      this.next();
      return { kind: 'null', ref, negated };
    }
    let negated = false;
    if (this.isKeyword('not')) {
      this.next();
      negated = true;
      const after = this.peek();
      if (!this.isKeyword('like') && !this.isKeyword('ilike') && !this.isKeyword('in'))
        this.fail(after, 'LIKE, ILIKE or IN after NOT');
    }
    if (this.isKeyword('like') || this.isKeyword('ilike')) {
      const caseInsensitive = this.isKeyword('ilike');
      this.next();
      if (ref.entity === 'metric' || TIME_ATTRIBUTES.has(ref.key)) {
        this.failAt(
          token,
          `${caseInsensitive ? 'ILIKE' : 'LIKE'} needs a string key, ${describeRef(ref)} is numeric`,
        );
      }
      const value = this.peek();
      if (value.kind !== 'string') this.fail(value, 'a quoted pattern');
      this.next();
      return { kind: 'like', ref, caseInsensitive, negated, pattern: value.text };
    }
    if (this.isKeyword('in')) {
      this.next();
      const open = this.peek();
      if (open.kind !== 'lparen') this.fail(open, "'(' after IN");
      this.next();
      const values: (string | number)[] = [this.parseInValue(ref)];
      while (this.peek().kind === 'comma') {
        this.next();
        values.push(this.parseInValue(ref));
      }
      const close = this.peek();
      if (close.kind !== 'rparen') this.fail(close, "',' or ')'");
      this.next();
      return { kind: 'in', ref, negated, values };
    }
    return this.fail(token, 'a comparison operator');
  }

  parseInValue(ref: KeyRef): string | number {
    if (++this.inValues > MAX_FILTER_IN_VALUES)
      this.failAt(this.peek(), `more than ${MAX_FILTER_IN_VALUES} values in IN lists; split the search`);
    return this.parseValue(ref);
  }

  parseValue(ref: KeyRef): string | number {
    const token = this.peek();
    const numeric = ref.entity === 'metric' || (ref.entity === 'attribute' && TIME_ATTRIBUTES.has(ref.key));
    if (token.kind === 'number') {
      if (!numeric)
        this.failAt(token, `${describeRef(ref)} is a string; quote the value, e.g. '${token.text}',`);
      this.next();
      return Number(token.text);
    }
    if (token.kind === 'string') {
      if (ref.entity === 'metric')
        this.failAt(token, `${describeRef(ref)} is numeric; write the value unquoted (got ${token.raw})`);
      this.next();
      if (numeric) {
        const ms = Date.parse(token.text);
        if (Number.isNaN(ms))
          this.failAt(
            token,
            `${describeRef(ref)} needs ms since epoch or a date like '2026-01-31' (got ${token.raw})`,
          );
        return ms;
      }
      return token.text;
    }
    return this.fail(token, numeric ? 'a number' : 'a quoted string');
  }
}

function describeRef(ref: KeyRef): string {
  return ref.entity === 'attribute' ? ref.key : `${ref.entity}s.${ref.key}`;
}

/** Parses an MLflow-style filter (plus OR, NOT and parentheses); empty input means no filter. */
export function parseFilter(source: string): FilterNode | null {
  const tokens = tokenize(source, 'filter');
  if (tokens[0].kind === 'eof') return null;
  const parser = new Parser(source, tokens, 'filter');
  const node = parser.parseOr();
  const rest = parser.peek();
  if (rest.kind !== 'eof')
    parser.fail(
      rest,
      rest.kind === 'rparen' ? "AND, OR or end of filter (unbalanced ')')" : 'AND, OR or end of filter',
    );
  return node;
}

/** Parses one order-by term: `metrics.accuracy DESC`, `start_time`, ``params.`model.C` ASC``. */
export function parseOrderBy(source: string): OrderTerm {
  const tokens = tokenize(source, 'order by');
  const parser = new Parser(source, tokens, 'order by');
  const ref = parser.parseKey();
  let descending = false;
  if (parser.isKeyword('desc') || parser.isKeyword('asc')) {
    descending = parser.isKeyword('desc');
    parser.next();
  }
  const rest = parser.peek();
  if (rest.kind !== 'eof') parser.fail(rest, 'ASC, DESC or end of order-by term');
  return { ref, descending };
}
