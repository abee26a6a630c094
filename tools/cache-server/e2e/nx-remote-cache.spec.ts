import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, spawnServer, type ServerProcess } from './cache-server-process';

// Real Nx 23 in a throw-away workspace, talking to the real CLI server over the OpenAPI protocol.
const REPO_ROOT = path.resolve(__dirname, '../../..');
const NX_BIN = path.join(REPO_ROOT, 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
const WRITE_TOKEN = 'ci-main-token-7f3a9c';
const READ_TOKEN = 'pr-token-51be02';

const BUILD_SCRIPT = [
  "const fs = require('fs');",
  "fs.mkdirSync('proj/out', { recursive: true });",
  "fs.writeFileSync('proj/out/result.txt', 'built from ' + fs.readFileSync('proj/src.txt', 'utf8'));",
  "fs.appendFileSync('runs.log', 'ran\\n');",
].join(' ');

interface NxRun {
  code: number;
  output: string;
}

function runNx(workspace: string, env: NodeJS.ProcessEnv): Promise<NxRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [NX_BIN, 'run', 'proj:build', '--output-style=static'],
      { cwd: workspace, env, timeout: 60_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

describe('Nx 23 against cellar-cache-server', () => {
  let workspace: string;
  let store: string;
  let server: ServerProcess | undefined;
  let url: string;

  const entries = () => fs.readdirSync(path.join(store, 'entries')).sort();
  const runs = () =>
    fs.existsSync(path.join(workspace, 'runs.log'))
      ? fs.readFileSync(path.join(workspace, 'runs.log'), 'utf8').split('\n').filter(Boolean).length
      : 0;
  const nxEnv = (token: string, cacheName: string) =>
    cleanEnv({
      NX_NO_CLOUD: 'true',
      NX_DAEMON: 'false',
      NX_TUI: 'false',
      NX_ISOLATE_PLUGINS: 'false',
      NX_CACHE_DIRECTORY: path.join(workspace, '.caches', cacheName),
      NX_SELF_HOSTED_REMOTE_CACHE_SERVER: url,
      NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
      NX_SKIP_REMOTE_CACHE: '',
    });
  const requests = () => (server?.logs ?? []).filter((l) => 'method' in l);

  beforeAll(async () => {
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-nx-cache-'));
    store = path.join(workspace, '..', `${path.basename(workspace)}-store`);
    fs.symlinkSync(path.join(REPO_ROOT, 'node_modules'), path.join(workspace, 'node_modules'), 'dir');
    fs.writeFileSync(
      path.join(workspace, 'package.json'),
      JSON.stringify({ name: 'nx-cache-e2e', private: true }),
    );
    fs.writeFileSync(path.join(workspace, 'nx.json'), JSON.stringify({ analytics: false }));
    fs.mkdirSync(path.join(workspace, 'proj'));
    fs.writeFileSync(path.join(workspace, 'proj', 'src.txt'), 'v1');
    fs.writeFileSync(
      path.join(workspace, 'proj', 'project.json'),
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
    server = await spawnServer(
      ['--storage', `dir:${store}`],
      cleanEnv({
        CELLAR_CACHE_WRITE_TOKENS: `ci-main:${WRITE_TOKEN}`,
        CELLAR_CACHE_READ_TOKENS: `pr:${READ_TOKEN}`,
      }),
      workspace,
    );
    url = server.url;
  });
  afterAll(async () => {
    await server?.stop();
    if (workspace) {
      fs.unlinkSync(path.join(workspace, 'node_modules')); // the link only, never the repo's modules
      fs.rmSync(workspace, { recursive: true, force: true });
      fs.rmSync(store, { recursive: true, force: true });
    }
  });

  it('uploads with a write token, restores with a read token, refuses a read token upload, aborts when down', async () => {
    // 1. main CI: miss, run, upload.
    const first = await runNx(workspace, nxEnv(WRITE_TOKEN, 'a'));
    expect(first.code, first.output).toBe(0);
    expect(runs()).toBe(1);
    expect(entries()).toHaveLength(1);
    const [hash] = entries();
    expect(hash).toMatch(/^\d+$/);
    expect(requests().map((l) => [l.method, l.status, l.token])).toEqual([
      ['GET', 404, 'ci-main'],
      ['PUT', 200, 'ci-main'],
    ]);
    const stored = fs.readFileSync(path.join(store, 'entries', hash));
    expect(stored.subarray(0, 2).toString('hex')).toBe('1f8b'); // gzip

    // 2. a PR with a fresh local cache: restored from the remote, the command does not run.
    fs.rmSync(path.join(workspace, 'proj', 'out'), { recursive: true });
    const second = await runNx(workspace, nxEnv(READ_TOKEN, 'b'));
    expect(second.code, second.output).toBe(0);
    expect(second.output).toContain('[remote cache]');
    expect(runs()).toBe(1);
    expect(fs.readFileSync(path.join(workspace, 'proj', 'out', 'result.txt'), 'utf8')).toBe('built from v1');
    expect(requests().at(-1)).toMatchObject({
      method: 'GET',
      status: 200,
      token: 'pr',
      hash: hash.slice(0, 8),
    });

    // 3. a PR that misses: it runs, its upload is refused (403, Nx skips it silently), the store is unchanged.
    fs.writeFileSync(path.join(workspace, 'proj', 'src.txt'), 'v2-from-a-pr');
    const third = await runNx(workspace, nxEnv(READ_TOKEN, 'c'));
    expect(third.code, third.output).toBe(0);
    expect(runs()).toBe(2);
    expect(
      requests()
        .slice(-2)
        .map((l) => [l.method, l.status, l.token]),
    ).toEqual([
      ['GET', 404, 'pr'],
      ['PUT', 403, 'pr'],
    ]);
    expect(entries()).toEqual([hash]);

    // 4. server down, fresh local cache: Nx 23.3.1 aborts (exit 1) without running the task.
    fs.writeFileSync(path.join(workspace, 'proj', 'src.txt'), 'v1');
    fs.rmSync(path.join(workspace, 'proj', 'out'), { recursive: true });
    expect(await server?.stop()).toBe(0);
    const fourth = await runNx(workspace, nxEnv(WRITE_TOKEN, 'd'));
    expect(fourth.code).toBe(1);
    expect(fourth.output).toContain('Failed to send request');
    expect(runs()).toBe(2);
    expect(fs.existsSync(path.join(workspace, 'proj', 'out'))).toBe(false);
    // Storage holds exactly the one complete entry, byte for byte, and no partial upload.
    expect(entries()).toEqual([hash]);
    expect(fs.readFileSync(path.join(store, 'entries', hash)).equals(stored)).toBe(true);
    expect(fs.readdirSync(path.join(store, 'tmp'))).toEqual([]);
  });
});
