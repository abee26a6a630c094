// Test helper (not exported from index.ts): a temporary workspace seeded with the repo's real configs.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');

export function makeWorkspace(files: Record<string, string> = {}, seed = true): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-config-'));
  if (seed) fs.cpSync(path.join(REPO_ROOT, 'configs'), path.join(root, 'configs'), { recursive: true });
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  return root;
}

export function removeWorkspace(root: string): void {
  fs.rmSync(root, { recursive: true, force: true });
}

/** Runs fn and returns the thrown error's message (fails the test if nothing is thrown). */
export function errorOf(fn: () => unknown): { message: string; code?: string; file?: string; key?: string } {
  try {
    fn();
  } catch (e) {
    return e as { message: string; code?: string };
  }
  throw new Error('expected an error, but none was thrown');
}
