import { isMap } from './tree';

/**
 * Remembers, for every key path, which source set it last (a file relative to the root,
 * or an override label), so validation errors can point at the right file.
 */
export class Provenance {
  private readonly sources = new Map<string, string>();

  /** Records `label` for `path` and every key below it, forgetting older descendants. */
  assign(path: readonly string[], value: unknown, label: string): void {
    const key = path.join('.');
    const prefix = `${key}.`;
    for (const k of [...this.sources.keys()]) if (k.startsWith(prefix)) this.sources.delete(k);
    this.sources.set(key, label);
    if (isMap(value)) for (const [k, v] of Object.entries(value)) this.assign([...path, k], v, label);
  }

  /** Marks a map node that received merged keys, without touching its children. */
  touch(path: readonly string[], label: string): void {
    const key = path.join('.');
    if (!this.sources.has(key)) this.sources.set(key, label);
  }

  /** Source of the key, or of its closest ancestor that has one. */
  sourceOf(path: readonly string[]): string | undefined {
    for (let n = path.length; n > 0; n--) {
      const found = this.sources.get(path.slice(0, n).join('.'));
      if (found !== undefined) return found;
    }
    return undefined;
  }
}
