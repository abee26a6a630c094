import { FilterNode, KeyRef, OrderTerm } from './parser';

// Column expressions for attributes; `r` is runs, `e` is experiments in the search query.
const ATTRIBUTE_COLUMNS: Record<string, string> = {
  status: 'r.status',
  run_name: 'r.run_name',
  run_id: 'r.run_id',
  start_time: 'r.start_time',
  end_time: 'r.end_time',
  experiment: 'e.name',
  git_commit: 'r.git_commit',
  config_hash: 'r.config_hash',
  data_md5: 'r.data_md5',
  user_id: 'r.user_id',
  lifecycle_stage: 'r.lifecycle_stage',
};

const TABLES = { metric: 'latest_metrics', param: 'params', tag: 'tags' } as const;

export interface SqlFragment {
  sql: string;
  params: unknown[];
}

/** SQLite LIKE ignores ASCII case; MLflow's LIKE does not, so LIKE becomes GLOB. */
export function likeToGlob(pattern: string): string {
  let out = '';
  for (const ch of pattern) {
    if (ch === '%') out += '*';
    else if (ch === '_') out += '?';
    else if (ch === '*' || ch === '?' || ch === '[') out += `[${ch}]`;
    else out += ch;
  }
  return out;
}

function condition(
  ref: KeyRef,
  test: (column: string) => string,
  params: unknown[],
  keyParamIndex: number,
): string {
  if (ref.entity === 'attribute') return test(ATTRIBUTE_COLUMNS[ref.key]);
  // The key goes before the test's values in the parameter list.
  params.splice(keyParamIndex, 0, ref.key);
  const table = TABLES[ref.entity];
  return `EXISTS (SELECT 1 FROM ${table} x WHERE x.run_id = r.run_id AND x.key = ? AND ${test('x.value')})`;
}

function compile(node: FilterNode, params: unknown[]): string {
  switch (node.kind) {
    case 'and':
    case 'or': {
      const left = compile(node.left, params);
      const right = compile(node.right, params);
      return `(${left} ${node.kind === 'and' ? 'AND' : 'OR'} ${right})`;
    }
    case 'not':
      return `(NOT ${compile(node.expr, params)})`;
    case 'compare': {
      const at = params.length;
      params.push(node.value);
      return condition(node.ref, (c) => `${c} ${node.op} ?`, params, at);
    }
    case 'like': {
      const at = params.length;
      params.push(node.caseInsensitive ? node.pattern : likeToGlob(node.pattern));
      const not = node.negated ? 'NOT ' : '';
      return condition(
        node.ref,
        (c) => (node.caseInsensitive ? `${c} ${not}LIKE ?` : `${c} ${not}GLOB ?`),
        params,
        at,
      );
    }
    case 'in': {
      const at = params.length;
      params.push(...node.values);
      const marks = node.values.map(() => '?').join(', ');
      return condition(node.ref, (c) => `${c} ${node.negated ? 'NOT IN' : 'IN'} (${marks})`, params, at);
    }
    case 'null': {
      if (node.ref.entity === 'attribute')
        return `${ATTRIBUTE_COLUMNS[node.ref.key]} IS ${node.negated ? 'NOT ' : ''}NULL`;
      // A missing key is "null"; a metric stored as NaN is present.
      params.push(node.ref.key);
      const exists = `EXISTS (SELECT 1 FROM ${TABLES[node.ref.entity]} x WHERE x.run_id = r.run_id AND x.key = ?)`;
      return node.negated ? exists : `NOT ${exists}`;
    }
  }
}

/** Parameterised WHERE fragment over `runs r JOIN experiments e`; values never enter the SQL text. */
export function compileFilter(node: FilterNode): SqlFragment {
  const params: unknown[] = [];
  const sql = compile(node, params);
  return { sql, params };
}

/** The value a run sorts by; NULL when the run lacks the key. */
export function orderExpression(ref: KeyRef, params: unknown[]): string {
  if (ref.entity === 'attribute') return ATTRIBUTE_COLUMNS[ref.key];
  params.push(ref.key);
  return `(SELECT x.value FROM ${TABLES[ref.entity]} x WHERE x.run_id = r.run_id AND x.key = ?)`;
}

/** ORDER BY terms with missing values last in both directions. */
export function compileOrderBy(terms: OrderTerm[]): { select: string[]; order: string[]; params: unknown[] } {
  const params: unknown[] = [];
  const select: string[] = [];
  const order: string[] = [];
  terms.forEach((term, i) => {
    select.push(`${orderExpression(term.ref, params)} AS o${i}`);
    order.push(`(o${i} IS NULL)`, `o${i} ${term.descending ? 'DESC' : 'ASC'}`);
  });
  return { select, order, params };
}
