// The real `cellar` bin in a child process: help, version, option errors, --verbose and colours.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedFixtureRuns } from '@cellar/tracking';
import { useColor } from './color';
import { makeTempDir } from './testing/io';

const BIN = path.resolve(__dirname, '../bin/cellar.js');
const VERSION = (
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../package.json'), 'utf8')) as { version: string }
).version;

let root: string;
beforeAll(() => {
  root = makeTempDir();
  fs.writeFileSync(path.join(root, 'nx.json'), '{}');
  seedFixtureRuns(root);
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function cellar(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('cellar bin', () => {
  it('--version prints the package version', () => {
    expect(cellar(['--version'])).toEqual({ code: 0, stdout: `${VERSION}\n`, stderr: '' });
    expect(cellar(['-V']).stdout).toBe(`${VERSION}\n`);
  });

  it('ui --help, server --help and runs ls --help print their own options and exit 0', () => {
    for (const name of ['ui', 'server']) {
      const r = cellar([name, '--help']);
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(new RegExp(`^Usage: cellar ${name} \\[options\\]\\n`));
      expect(r.stdout).toMatch(/^ {2}--port <port> +port \(default 5000/m);
      expect(r.stdout).toMatch(/^ {2}--db <file> +tracking database/m);
    }
    const ls = cellar(['runs', 'ls', '--help']);
    expect(ls.code).toBe(0);
    expect(ls.stdout).toMatch(/^Usage: cellar runs ls\|list \[options\]\n/);
    expect(ls.stdout).toMatch(/^ {2}-f, --filter <expr> +MLflow-style search/m);
    // Its own help, not the group's list of commands.
    expect(ls.stdout).not.toContain('compare');
  });

  it('every command and subcommand has its own --help', () => {
    const commands = [
      ['runs'],
      ['runs', 'show'],
      ['runs', 'compare'],
      ['runs', 'diff'],
      ['runs', 'gc'],
      ['runs', 'export'],
      ['experiments', 'rename'],
      ['artifacts', 'download'],
      ['data', 'pull'],
      ['remote', 'add'],
      ['metrics', 'diff'],
      ['plots'],
      ['report'],
    ];
    for (const c of commands) {
      const r = cellar([...c, '--help']);
      expect({ c, code: r.code }).toEqual({ c, code: 0 });
      expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^Usage: cellar ${c.join(' ')}\\b`));
    }
  }, 120_000);

  it('unknown options and commands: one line naming the command, exit 2', () => {
    expect(cellar(['runs', 'ls', '--foo'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "cellar runs ls: unknown option '--foo' (see 'cellar runs ls --help')\n",
    });
    expect(cellar(['ui', '--prot', '1'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "cellar ui: unknown option '--prot' (Did you mean --port?) (see 'cellar ui --help')\n",
    });
    expect(cellar(['train'])).toEqual({
      code: 2,
      stdout: '',
      stderr: "cellar: unknown command 'train' (see 'cellar --help')\n",
    });
    expect(cellar(['runs', 'show']).stderr).toBe(
      "cellar runs show: missing required argument 'run' (see 'cellar runs show --help')\n",
    );
  });

  it('stack traces only with --verbose', () => {
    const plain = cellar(['runs', 'show', 'zzz']);
    expect(plain).toEqual({
      code: 1,
      stdout: '',
      stderr: "cellar runs: run 'zzz' not found in mlruns/cellar.db\n",
    });
    const verbose = cellar(['runs', 'show', 'zzz', '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(
      /^cellar runs: run 'zzz' not found in mlruns\/cellar.db\nTrackingError: .*\n +at /,
    );
  });
});

describe('colours', () => {
  it('are on for a terminal only, and off when NO_COLOR is set', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '' })).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({}, {})).toBe(false);
  });

  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('colour the statuses on a pseudo-terminal (script -qc), not in a pipe', () => {
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} runs ls --columns name,status -e beer`;
    const tty = (env: Record<string, string | undefined>) =>
      spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, ...env },
        timeout: 60_000,
      });
    const { NO_COLOR: _ignored, ...inherited } = process.env;
    const coloured = spawnSync('script', ['-qec', command, '/dev/null'], {
      cwd: root,
      encoding: 'utf8',
      env: inherited,
      timeout: 60_000,
    });
    expect(coloured.status).toBe(0);
    expect(coloured.stdout).toContain('\x1b[32mFINISHED\x1b[39m');
    expect(coloured.stdout).toContain('\x1b[33mKILLED\x1b[39m');
    const noColor = tty({ NO_COLOR: '1' });
    expect(noColor.stdout).toContain('FINISHED');
    expect(noColor.stdout).not.toContain('\x1b[');
    const piped = cellar(['runs', 'ls', '--columns', 'name,status', '-e', 'beer']);
    expect(piped.stdout).toBe('NAME        STATUS\nkilled-run  KILLED\nrf-beer     FINISHED\n');
  });
});
