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
  for (const file of files) {
    const abs = join(workspaceRoot, file);
    if (!existsSync(abs)) continue;
    for (const name of fileEnvReferences(readFileSync(abs, 'utf8'))) names.add(name);
  }
  for (const o of overrides)
    if (!/^[+~]*notify\./.test(o)) for (const m of o.matchAll(ENV_REF)) names.add(m[1]);
  return [...names].sort();
}

// Every point of a sweep reads the same base and model files: each text is parsed once per process.
const byText = new Map<string, string[]>();

function fileEnvReferences(text: string): string[] {
  // Most config files reference no variable at all: no YAML parse for them.
  if (!text.includes('${env:')) return [];
  let names = byText.get(text);
  if (names === undefined) {
    const found = new Set<string>();
    try {
      walk(parse(text), [], (path, value) => {
        if (path[0] !== 'notify' && typeof value === 'string')
          for (const m of value.matchAll(ENV_REF)) found.add(m[1]);
      });
    } catch {
      // the train step reports broken YAML with its file and line
    }
    names = [...found];
    if (byText.size > 1000) byText.clear();
    byText.set(text, names);
  }
  return names;
}

function walk(node: unknown, path: string[], visit: (path: string[], value: unknown) => void): void {
  if (node !== null && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) walk(v, [...path, k], visit);
  } else {
    visit(path, node);
  }
}
