// The `cellar` command as a user runs it: a real process, a real SQLite file, a real HTTP server.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '@cellar/tracking';
import { REPO } from './workspace';

const BIN = join(REPO, 'tools/cli/bin/cellar.js');
const dir = mkdtempSync(join(tmpdir(), 'cellar-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function seed(db: string): string {
  const store = openStore({ dbPath: db, artifactRoot: join(dir, 'artifacts') });
  const run = store.createRun({
    experiment: 'wine_quality',
    runName: 'wine-logreg-abc',
    tags: { algorithm: 'logreg' },
  });
  store.logParams(run.runId, { 'model.C': '1.0' });
  store.logMetrics(run.runId, { accuracy: 0.6157 });
  store.endRun(run.runId, 'FINISHED');
  store.close();
  return run.runId;
}

describe('cellar', () => {
  it('prints usage and rejects unknown commands with exit 2', () => {
    const help = spawnSync(process.execPath, [BIN, '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ {2}runs +query, compare, export and clean/m);
    const bad = spawnSync(process.execPath, [BIN, 'train'], { encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe("cellar: unknown command 'train' (see 'cellar --help')\n");
  });

  it('cellar ui serves the runs of the store on 127.0.0.1 and stops on SIGTERM', async () => {
    const db = join(dir, 'ui.db');
    const runId = seed(db);
    const child = spawn(process.execPath, [BIN, 'ui', '--port', '0', '--db', db], { cwd: dir });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (c) => {
          out += c;
          const m = out.match(/on (http:\/\/127\.0\.0\.1:\d+)/);
          if (m) resolve(m[1]);
        });
        child.stderr.on('data', (c) => (out += c));
        child.on('exit', () => reject(new Error(`cellar ui exited: ${out}`)));
      });
      const res = await fetch(`${url}/api/runs?experiment=wine_quality`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { total: number; runs: Array<{ info: { runId: string } }> };
      expect(body.total).toBe(1);
      expect(body.runs[0].info.runId).toBe(runId);
      const page = await fetch(url);
      expect(await page.text()).toContain('<title>');
    } finally {
      child.kill('SIGTERM');
    }
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(0);
  });

  it('a bad --port is a one-line usage error', () => {
    const r = spawnSync(process.execPath, [BIN, 'ui', '--port', 'abc'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe("cellar ui: --port must be an integer from 0 to 65535 (got 'abc')");
  });
});
