import { parse as parseYamlScalar } from 'yaml';
import { ConfigError } from './config-error';
import type { Provenance } from './provenance';
import { cloneValue, emptyMap, getPath, isMap, kindOf, type Tree } from './tree';

export type Env = Record<string, string | undefined>;

/** Marker OmegaConf uses for a mandatory value that must be supplied later. */
export const MISSING = '???';

type Part = { literal: string } | { expr: string };

/**
 * Resolves `${a.b}`, `${env:NAME}` / `${env:NAME,default}` and `???` over a composed tree.
 * Works on a copy; each key is resolved once (memoised) and cycles are reported with their path.
 */
export function resolveTree(tree: Tree, prov: Provenance, env: Env): Tree {
  return new Resolver(tree, prov, env).resolveAll();
}

class Resolver {
  private readonly memo = new Map<string, unknown>();
  private readonly stack: string[] = [];

  constructor(
    private readonly tree: Tree,
    private readonly prov: Provenance,
    private readonly env: Env,
  ) {}

  resolveAll(): Tree {
    return this.resolveAt([]) as Tree;
  }

  private where(path: readonly string[]): string {
    return this.prov.sourceOf(path) ?? '<config>';
  }

  private resolveAt(path: string[]): unknown {
    const key = path.join('.');
    if (this.memo.has(key)) return this.memo.get(key);
    const loop = this.stack.indexOf(key);
    if (loop >= 0) {
      const cycle = [...this.stack.slice(loop), key].join(' -> ');
      const first = this.stack[loop].split('.');
      throw new ConfigError(
        'INTERPOLATION_CYCLE',
        `${this.where(first)}: interpolation cycle ${cycle} (set one of these keys to a plain value)`,
        { file: this.where(first), key: this.stack[loop] },
      );
    }
    this.stack.push(key);
    const raw = path.length === 0 ? this.tree : getPath(this.tree, path);
    let value: unknown;
    if (isMap(raw)) {
      const out = emptyMap();
      for (const k of Object.keys(raw)) out[k] = this.resolveAt([...path, k]);
      value = out;
    } else if (Array.isArray(raw)) {
      value = raw.map((_, i) => this.resolveAt([...path, String(i)]));
    } else if (typeof raw === 'string') {
      value = this.resolveString(raw, path);
    } else {
      value = raw;
    }
    this.stack.pop();
    this.memo.set(key, value);
    return value;
  }

  private resolveString(raw: string, path: string[]): unknown {
    const key = path.join('.');
    if (raw === MISSING) {
      const file = this.where(path);
      throw new ConfigError(
        'MANDATORY_MISSING',
        `${file}: ${key} is mandatory (???) and has no value (set it, e.g. ${key}=<value>)`,
        { file, key },
      );
    }
    if (!raw.includes('${') && !raw.includes('\\$')) return raw;
    const parts = this.parseTemplate(raw, path);
    // Whole-value reference keeps its type; cloned so callers can't alias two keys by mutating one.
    if (parts.length === 1 && 'expr' in parts[0]) return cloneValue(this.evaluate(parts[0].expr, path));
    let out = '';
    for (const part of parts) {
      if ('literal' in part) {
        out += part.literal;
        continue;
      }
      const value = this.evaluate(part.expr, path);
      if (value !== null && typeof value === 'object') {
        const file = this.where(path);
        throw new ConfigError(
          'INTERPOLATION_TYPE',
          `${file}: ${key}: \${${part.expr}} is a ${kindOf(value)} and cannot be inserted into a string (make it the whole value)`,
          { file, key },
        );
      }
      out += String(value);
    }
    return out;
  }

  /** Splits text into literals and `${...}` expressions; nested `${}` inside an expression is resolved first. */
  private parseTemplate(text: string, path: string[]): Part[] {
    const parts: Part[] = [];
    let literal = '';
    let i = 0;
    while (i < text.length) {
      if (text.startsWith('\\${', i)) {
        literal += '${';
        i += 3;
        continue;
      }
      if (!text.startsWith('${', i)) {
        literal += text[i++];
        continue;
      }
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) {
        if (text.startsWith('${', j)) {
          depth++;
          j++;
        } else if (text[j] === '}') depth--;
      }
      if (depth > 0) {
        const file = this.where(path);
        throw new ConfigError(
          'INTERPOLATION_SYNTAX',
          `${file}: ${path.join('.')}: unclosed interpolation in '${text}' (add the missing '}')`,
          { file, key: path.join('.') },
        );
      }
      if (literal) parts.push({ literal });
      literal = '';
      const inner = text.slice(i + 2, j - 1);
      const expr = inner.includes('${') ? String(this.resolveString(inner, path)) : inner;
      parts.push({ expr });
      i = j;
    }
    if (literal) parts.push({ literal });
    return parts;
  }

  private evaluate(expr: string, path: string[]): unknown {
    const key = path.join('.');
    const file = this.where(path);
    const trimmed = expr.trim();
    const colon = trimmed.indexOf(':');
    if (colon >= 0 && /^[A-Za-z_][\w.]*$/.test(trimmed.slice(0, colon))) {
      const resolver = trimmed.slice(0, colon);
      if (resolver !== 'env' && resolver !== 'oc.env') {
        throw new ConfigError(
          'INTERPOLATION_SYNTAX',
          `${file}: ${key}: unknown resolver '${resolver}' in \${${expr}} (supported: env)`,
          { file, key },
        );
      }
      return this.readEnv(trimmed.slice(colon + 1), path);
    }
    if (!/^[\w-]+(\.[\w-]+)*$/.test(trimmed)) {
      throw new ConfigError(
        'INTERPOLATION_SYNTAX',
        `${file}: ${key}: \${${expr}} is not a key path (expected \${section.key} or \${env:NAME})`,
        { file, key },
      );
    }
    const found = this.lookup(trimmed.split('.'));
    if (!found.ok) {
      throw new ConfigError(
        'INTERPOLATION_MISSING_KEY',
        `${file}: ${key} refers to \${${trimmed}}, but key ${trimmed} does not exist (fix the reference or define the key)`,
        { file, key },
      );
    }
    return found.value;
  }

  /** Walks a key path, resolving intermediate interpolations so `${a.b}` works when `a` is itself `${other}`. */
  private lookup(target: string[]): { ok: true; value: unknown } | { ok: false } {
    let node: unknown = this.tree;
    let viaInterpolation = false;
    for (let i = 0; i < target.length; i++) {
      const seg = target[i];
      if (typeof node === 'string' && !viaInterpolation) {
        node = this.resolveAt(target.slice(0, i));
        viaInterpolation = true;
      }
      if (isMap(node) && Object.hasOwn(node, seg)) node = node[seg];
      else if (Array.isArray(node) && /^\d+$/.test(seg) && Number(seg) < node.length)
        node = node[Number(seg)];
      else return { ok: false };
    }
    // Below a resolved interpolation the node is already fully resolved; otherwise resolve the raw key.
    return { ok: true, value: viaInterpolation ? node : this.resolveAt(target) };
  }

  private readEnv(args: string, path: string[]): unknown {
    const comma = args.indexOf(',');
    const name = (comma < 0 ? args : args.slice(0, comma)).trim();
    const value = this.env[name];
    if (value !== undefined) return value;
    if (comma >= 0) {
      const def = args.slice(comma + 1).trim();
      // The default is a YAML scalar, so `null` means null and `'x'` is the string x.
      if (def === '') return '';
      try {
        return parseYamlScalar(def);
      } catch {
        return def;
      }
    }
    const file = this.where(path);
    const key = path.join('.');
    throw new ConfigError(
      'ENV_MISSING',
      `${file}: ${key}: environment variable ${name} is not set (set it or write \${env:${name},<default>})`,
      { file, key },
    );
  }
}
