import { spawn } from 'node:child_process';
import * as path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

/** A real process opens a run in root's store and dies of SIGKILL: the run stays RUNNING on disk. */
export async function runKilledInChild(root: string): Promise<{ runId: string; pid: number }> {
  const child = spawn(
    process.execPath,
    ['-r', path.join(REPO_ROOT, 'tools/dev/register.js'), path.join(__dirname, 'hold-run-child.ts'), root],
    { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('close', (_code, signal) => resolve(signal)),
  );
  const runId = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('\n')) resolve(stdout.trim());
    });
    child.on('close', (code) =>
      reject(new Error(`child exited (${code}) before printing a run id: ${stderr}`)),
    );
  });
  child.kill('SIGKILL');
  if ((await exited) !== 'SIGKILL') throw new Error(`child did not die of SIGKILL: ${stderr}`);
  return { runId, pid: child.pid! };
}
