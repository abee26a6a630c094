// What Nx extracts into a workspace must stay in it. Nx 23 refuses such archives at restore time but
// fails the whole run, so they are refused here, at upload, instead.

export interface EntryHeader {
  name: string;
  type: string | null | undefined;
  linkname?: string | null;
}

const KIND: Record<string, string> = {
  'character-device': 'a character device',
  'block-device': 'a block device',
  fifo: 'a fifo',
};

/** Quotes an entry name for a one-line message: control characters shown as `?`, long names cut. */
export function quoteName(name: string): string {
  // eslint-disable-next-line no-control-regex
  const clean = name.replace(/[\u0000-\u001f\u007f]/g, '?');
  return `'${clean.length > 160 ? `${clean.slice(0, 157)}...` : clean}'`;
}

function isAbsolute(p: string): boolean {
  return p.startsWith('/') || p.startsWith('\\') || /^[A-Za-z]:/.test(p);
}

/** Path components without `.` and empty ones; `\` counts as a separator (Windows consumers). */
function components(p: string): string[] {
  return p.split(/[\\/]/).filter((c) => c !== '' && c !== '.');
}

/** The strict ancestors of a path: `a/b/c` -> `a`, `a/b`. */
function ancestors(parts: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

/**
 * Checks tar headers one by one (as they stream in), then the archive as a whole. Returns the first
 * violation as a one-line message, or undefined. Paths are relative to the workspace root, where Nx
 * extracts: links may point anywhere inside the workspace, not only at entries of the archive.
 */
export class ArchiveRules {
  private entries = 0;
  private readonly symlinks = new Map<string, string>();
  /** Every directory some entry was stored under, to catch a later symlink replacing it. */
  private readonly parents = new Set<string>();
  private readonly files = new Set<string>();

  check(header: EntryHeader): string | undefined {
    this.entries++;
    const name = header.name;
    const at = `tar entry ${quoteName(name)}`;
    if (isAbsolute(name)) return `${at} is an absolute path; entries must be relative to the workspace root`;
    const parts = components(name);
    if (parts.includes('..')) return `${at} has a '..' component; entries must stay inside the workspace`;
    const type = header.type ?? 'file';
    if (parts.length === 0) {
      if (type === 'directory') return undefined; // `./`, the root itself
      return `${at} has an empty path; every entry needs a path relative to the workspace root`;
    }
    const path = parts.join('/');
    for (const dir of ancestors(parts)) {
      if (this.symlinks.has(dir))
        return `${at} lies below the symlink ${quoteName(dir)}; an archive must not write through its own links`;
      this.parents.add(dir);
    }
    switch (type) {
      case 'file':
      case 'contiguous-file':
        this.files.add(path);
        return undefined;
      case 'directory':
        this.parents.add(path);
        return this.symlinks.has(path)
          ? `${at} is a folder over an earlier symlink; an archive must not write through its own links`
          : undefined;
      case 'symlink':
        return this.checkSymlink(at, path, parts, header.linkname ?? '');
      case 'link':
        return this.checkHardLink(at, header.linkname ?? '');
      default:
        return `${at} is ${KIND[type] ?? `an entry of type '${type}'`}; only files, directories and links are allowed`;
    }
  }

  /** Checks that need the whole archive: symlinks declared after the paths they affect. */
  finish(): string | undefined {
    if (this.entries === 0)
      return "tar archive has no entries; Nx uploads at least 'terminalOutput' and 'code'";
    for (const [path, target] of this.symlinks) {
      const through = this.stepsOutOfSymlink(path, target);
      if (through !== undefined)
        return `tar entry ${quoteName(path)} is a symlink to ${quoteName(target)}, which steps back out of the symlink ${quoteName(through)}; links must stay inside the workspace`;
    }
    return undefined;
  }

  private checkSymlink(at: string, path: string, parts: string[], target: string): string | undefined {
    if (isAbsolute(target))
      return `${at} is a symlink to an absolute path (${quoteName(target)}); links must stay inside the workspace`;
    // Lexical resolution from the link's folder; symlinks met on the way are handled in finish().
    const stack = parts.slice(0, -1);
    for (const c of components(target)) {
      if (c !== '..') stack.push(c);
      else if (stack.pop() === undefined)
        return `${at} is a symlink to ${quoteName(target)}, which leads outside the workspace; links must stay inside the workspace`;
    }
    if (this.parents.has(path))
      return `${at} is a symlink over the folder of earlier entries; an archive must not write through its own links`;
    this.symlinks.set(path, target);
    return undefined;
  }

  private checkHardLink(at: string, target: string): string | undefined {
    // Nx stores hard-linked outputs as plain files; a hard link here could only alias a workspace
    // file (package.json, a source file) that later writes to the output would then modify.
    const parts = isAbsolute(target) ? ['..'] : components(target);
    if (parts.includes('..') || !this.files.has(parts.join('/')))
      return `${at} is a hard link to ${quoteName(target)}, not to a file stored earlier in this archive; hard links must name such a file`;
    return undefined;
  }

  /** The symlink whose real location a `..` in `target` would step out of, if any. */
  private stepsOutOfSymlink(path: string, target: string): string | undefined {
    const stack = components(path).slice(0, -1);
    for (const c of components(target)) {
      if (c !== '..') {
        stack.push(c);
        continue;
      }
      const here = stack.join('/');
      if (this.symlinks.has(here)) return here;
      stack.pop();
    }
    return undefined;
  }
}
