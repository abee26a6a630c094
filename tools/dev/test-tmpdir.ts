// vitest globalSetup: every temporary file of a test run (the specs' mkdtemp folders, throw-away
// workspaces, the child processes' scratch) goes under one folder, removed when the run ends. The
// specs create some two hundred folders per run and many never remove theirs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const root = mkdtempSync(join(tmpdir(), 'cellar-test-'));
  const previous = process.env.TMPDIR;
  // os.tmpdir() reads TMPDIR on every call, here and in the test workers and child processes,
  // which inherit this environment.
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    rmSync(root, { recursive: true, force: true });
  };
}
