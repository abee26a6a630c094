import { formatValue, getPath, hasPath, type Tree } from './tree';

/** The parts of a zod issue the messages use. */
export interface IssueLike {
  code: string;
  path: PropertyKey[];
  message: string;
  keys?: string[];
  note?: string;
  options?: unknown[];
  params?: Record<string, unknown>;
}

export interface DescribedIssue {
  /** Key path as the user wrote it. */
  path: string[];
  message: string;
  code: 'INVALID_VALUE' | 'UNKNOWN_KEY';
}

export interface DescribeOptions {
  /** The keys a map at `path` accepts, listed in the unknown-key message. */
  keysOf: (path: string[]) => string[];
  /** How a key is shown: as is for YAML, camelCase for model.json. */
  showKey?: (key: string) => string;
}

/** One line for the first problem zod found: `model.C must be > 0 (got -1)`. */
export function describeIssue(issue: IssueLike, tree: Tree, o: DescribeOptions): DescribedIssue {
  const show = o.showKey ?? ((k: string) => k);
  const path = issue.path.map(String);
  const shown = path.map(show);
  const key = shown.join('.');
  if (issue.code === 'unrecognized_keys' && issue.keys?.length) {
    const bad = [...shown, show(issue.keys[0])];
    const where = path[0] === 'model' ? `model type ${String(getPath(tree, ['model', 'type']))}` : key;
    return {
      path: bad,
      code: 'UNKNOWN_KEY',
      message: `${bad.join('.')} is not a valid key for ${where} (valid: ${o.keysOf(path).map(show).join(', ')})`,
    };
  }
  const value = getPath(tree, path);
  if (issue.code === 'invalid_union' && issue.note === 'No matching discriminator') {
    const list = (issue.options ?? []).join(', ');
    if (!hasPath(tree, path))
      return { path: shown, code: 'INVALID_VALUE', message: `${key} is required (one of ${list})` };
    return {
      path: shown,
      code: 'INVALID_VALUE',
      message: `${key} must be one of ${list} (got ${formatValue(value)})`,
    };
  }
  if (!hasPath(tree, path) && !issue.params?.evenIfMissing)
    return {
      path: shown,
      code: 'INVALID_VALUE',
      message: `${key} is required but missing (add it to the config or set it with +${key}=<value>)`,
    };
  const got = issue.params?.plain ? '' : ` (got ${formatValue(value)})`;
  return { path: shown, code: 'INVALID_VALUE', message: `${key} ${issue.message}${got}` };
}
