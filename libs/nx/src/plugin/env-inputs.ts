import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ENV_REF = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)/g;

/**
 * Environment variables a pipeline's config reads through `${env:NAME}`: each one is a task input,
 * or `train` could be restored from the cache after the variable changed. `notify.*` is skipped:
 * where notifications go never changes a model.
 */
export function envReferences(workspaceRoot: string, files: string[], overrides: string[] = []): string[] {
  const names = new Set<string>();
  const scan = (text: string) => {
    for (const m of text.matchAll(ENV_REF)) names.add(m[1]);
  };
  for (const file of files) {
    const abs = join(workspaceRoot, file);
    if (!existsSync(abs)) continue;
    let doc: unknown;
    try {
      doc = parse(readFileSync(abs, 'utf8'));
    } catch {
      continue; // the train step reports broken YAML with its file and line
    }
    walk(doc, [], (path, value) => {
      if (path[0] !== 'notify' && typeof value === 'string') scan(value);
    });
  }
  for (const o of overrides) if (!/^[+~]*notify\./.test(o)) scan(o);
  return [...names].sort();
}

function walk(node: unknown, path: string[], visit: (path: string[], value: unknown) => void): void {
  if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k], visit);
  } else {
    visit(path, node);
  }
}
