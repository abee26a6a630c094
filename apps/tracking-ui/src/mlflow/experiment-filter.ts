// experiments/search's filter: MLflow allows `name` and `tags.<key>` with =, !=, LIKE, ILIKE (plus
// Cellar's OR, NOT, IN and parentheses). Parsed by the run-search grammar, where `name` reads as
// the run_name attribute; evaluated in memory (a store holds few experiments).
import { parseFilter, type ExperimentDetail, type FilterNode } from '@cellar/tracking';
import { invalid } from './errors';

type Predicate = (e: ExperimentDetail) => boolean;

function likeRegex(pattern: string, caseInsensitive: boolean): RegExp {
  const body = [...pattern]
    .map((ch) => (ch === '%' ? '.*' : ch === '_' ? '.' : ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`, caseInsensitive ? 'is' : 's');
}

function compile(node: FilterNode): Predicate {
  switch (node.kind) {
    case 'and': {
      const [l, r] = [compile(node.left), compile(node.right)];
      return (e) => l(e) && r(e);
    }
    case 'or': {
      const [l, r] = [compile(node.left), compile(node.right)];
      return (e) => l(e) || r(e);
    }
    case 'not': {
      const inner = compile(node.expr);
      return (e) => !inner(e);
    }
    default:
      break;
  }
  const ref = node.ref;
  let value: (e: ExperimentDetail) => string | undefined;
  if (ref.entity === 'attribute' && ref.key === 'run_name') value = (e) => e.name;
  else if (ref.entity === 'tag') value = (e) => e.tags[ref.key];
  else
    throw invalid(
      `experiments/search: filter can use name and tags.<key> only (column ${ref.column}); other keys are run keys`,
    );
  switch (node.kind) {
    case 'compare':
      if (node.op !== '=' && node.op !== '!=')
        throw invalid(
          `experiments/search: '${node.op}' does not compare names or tags; use =, !=, LIKE or ILIKE`,
        );
      return node.op === '='
        ? (e) => value(e) === String(node.value)
        : (e) => value(e) !== undefined && value(e) !== String(node.value);
    case 'like': {
      const re = likeRegex(node.pattern, node.caseInsensitive);
      return (e) => {
        const v = value(e);
        return v !== undefined && re.test(v) !== node.negated;
      };
    }
    case 'in': {
      const set = new Set(node.values.map(String));
      return (e) => {
        const v = value(e);
        return v !== undefined && set.has(v) !== node.negated;
      };
    }
    case 'null':
      return (e) => (value(e) === undefined) !== node.negated;
  }
}

/** A predicate over experiments; every experiment passes an empty filter. */
export function experimentFilter(filter: string | undefined): Predicate {
  const node = filter === undefined ? null : parseFilter(filter);
  return node === null ? () => true : compile(node);
}
