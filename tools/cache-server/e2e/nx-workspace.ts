import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cleanEnv } from './cache-server-process';

// A throw-away Nx 23 workspace with one cacheable target, `proj:build`, that counts its runs.
const REPO_ROOT = path.resolve(__dirname, '../../..');
const NX_BIN = path.join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');

const BUILD_SCRIPT = [
  "const fs = require('fs');",
  "fs.mkdirSync('proj/out', { recursive: true });",
  "fs.writeFileSync('proj/out/result.txt', 'built from ' + fs.readFileSync('proj/src.txt', 'utf8'));",
  "fs.appendFileSync('runs.log', 'ran\\n');",
].join(' ');

export interface NxRun {
  code: number;
  output: string;
}

export interface NxWorkspace {
  root: string;
  /** How often `proj:build` really ran. */
  runs(): number;
  /** `nx run proj:build` against the remote cache at `url`, with a fresh local cache per `cacheName`. */
  run(url: string, token: string, cacheName: string): Promise<NxRun>;
  dispose(): void;
}

export function createNxWorkspace(): NxWorkspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-nx-cache-'));
  fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name: 'nx-cache-e2e', private: true }));
  fs.writeFileSync(path.join(root, 'nx.json'), JSON.stringify({ analytics: false }));
  fs.mkdirSync(path.join(root, 'proj'));
  fs.writeFileSync(path.join(root, 'proj', 'src.txt'), 'v1');
  fs.writeFileSync(
    path.join(root, 'proj', 'project.json'),
    JSON.stringify({
      name: 'proj',
      targets: {
        build: {
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['{projectRoot}/src.txt'],
          outputs: ['{projectRoot}/out'],
          options: { command: `node -e ${JSON.stringify(BUILD_SCRIPT)}` },
        },
      },
    }),
  );
  const log = path.join(root, 'runs.log');
  return {
    root,
    runs: () => (fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).length : 0),
    run: (url, token, cacheName) =>
      new Promise((resolve) => {
        const env = cleanEnv({
          NX_NO_CLOUD: 'true',
          NX_DAEMON: 'false',
          NX_TUI: 'false',
          NX_ISOLATE_PLUGINS: 'false',
          NX_CACHE_DIRECTORY: path.join(root, '.caches', cacheName),
          NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
          NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
          NX_SKIP_REMOTE_CACHE: '',
        });
        execFile(
          process.execPath,
          [NX_BIN, 'run', 'proj:build', '--output-style=static'],
          { cwd: root, env, timeout: 60_000 },
          (err, stdout, stderr) => {
            const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
            resolve({ code, output: `${stdout}${stderr}` });
          },
        );
      }),
    dispose: () => {
      fs.unlinkSync(path.join(root, 'node_modules')); // the link only, never the repo's modules
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}
