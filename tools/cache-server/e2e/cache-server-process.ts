import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';

export const BIN = path.resolve(__dirname, '../bin/cellar-cache-server.js');

export interface ServerProcess {
  child: ChildProcess;
  url: string;
  /** Parsed JSON log lines so far. */
  logs: Record<string, unknown>[];
  stop(): Promise<number | null>;
}

/** Env without the caller's cache tokens, so tests decide what the server sees. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.CELLAR_CACHE_READ_TOKENS;
  delete env.CELLAR_CACHE_WRITE_TOKENS;
  delete env.CELLAR_CACHE_ADMIN_TOKENS;
  return { ...env, ...extra };
}

/** Starts the real CLI and resolves once it logs `listening`. */
export function spawnServer(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ServerProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
      cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const logs: Record<string, unknown>[] = [];
    let stderr = '';
    let buffered = '';
    const exited = new Promise<number | null>((r) => child.once('close', (code) => r(code)));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.event === 'listening') {
          resolve({
            child,
            url: record.url as string,
            logs,
            stop: () => {
              child.kill('SIGTERM');
              return exited;
            },
          });
        }
      }
    });
    void exited.then((code) => reject(new Error(`cache server exited with ${code}: ${stderr.trim()}`)));
  });
}
