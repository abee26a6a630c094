import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import Table from 'cli-table3';
import { errorMessage } from '@cellar/config';
import {
  addData,
  checkoutData,
  DataError,
  dataStatus,
  pullData,
  pushData,
  type TransferProgress,
} from '@cellar/data';

export interface DataCliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  env: Record<string, string | undefined>;
  cwd: string;
}

const USAGE = `usage: cellar data <command> [options]

commands:
  add <file|folder..> [--push]     track files or folders: write <path>.dvc beside each, git-ignore the data,
                                   keep a copy in .cellar/cache
  push [pointers..]                upload tracked data whose objects are missing in the remote
  pull [pointers..] [--force]      bring the workspace to its pointers: from .cellar/cache, downloading only
                                   what the cache lacks (--force: also replace local changes)
  checkout [pointers..] [--force]  the same from .cellar/cache only, never reading the remote
  status [pointers..] [--json]     workspace and remote state of every tracked file (folders file by file)

options:
  --remote <name|url|path>         remote name from .dvc/config, URL, or path (default: env CELLAR_DATA_REMOTE, then .dvc/config)
  --jobs <n>                       parallel transfers (default 4)
  --root <dir>                     workspace root (default: nearest folder with .dvc/ above the cwd)
  --verbose                        print stack traces on errors

pointers are *.dvc files or the data files and folders they track; default: every *.dvc file under data/.
Manage remotes with 'cellar remote'.`;

/** Progress lines are only worth printing for files this big. */
const PROGRESS_MIN_BYTES = 1024 * 1024;

function findRoot(cwd: string): string {
  for (const marker of ['.dvc', 'nx.json']) {
    let dir = path.resolve(cwd);
    for (;;) {
      if (fs.existsSync(path.join(dir, marker))) return dir;
      const up = path.dirname(dir);
      if (up === dir) break;
      dir = up;
    }
  }
  return path.resolve(cwd);
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

function progressPrinter(io: DataCliIo): (p: TransferProgress) => void {
  const lastDecile = new Map<string, number>();
  return (p) => {
    if (p.bytesTotal <= PROGRESS_MIN_BYTES) return;
    const decile = Math.floor((p.bytesDone / p.bytesTotal) * 10);
    if ((lastDecile.get(p.path) ?? -1) >= decile) return;
    lastDecile.set(p.path, decile);
    io.stderr.write(
      `  ${p.path} ${decile * 10}% (${formatBytes(p.bytesDone)} / ${formatBytes(p.bytesTotal)})\n`,
    );
  };
}

/** One line per pointer, then a summary: what moved, what the cache gave, what was already there. */
export function transferLines(
  results: Array<{ status: string; path: string; size: number; nfiles?: number }>,
  verb: 'fetched' | 'uploaded',
): string[] {
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const moved = count(verb);
  const restored = count('restored');
  const plural = (n: number) => `${n} file${n === 1 ? '' : 's'}`;
  return [
    ...results.map(
      (r) =>
        `${r.status.padEnd(10)} ${r.path} (${r.nfiles === undefined ? '' : `${plural(r.nfiles)}, `}${formatBytes(r.size)})`,
    ),
    `${plural(moved)} ${verb}, ${restored > 0 ? `${restored} restored from .cellar/cache, ` : ''}${count('up-to-date')} up to date`,
  ];
}

function parseJobs(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new DataError('USAGE', `--jobs must be an integer from 1 to 64 (got '${raw}')`);
  }
  return n;
}

export async function dataCli(argv: string[], io?: Partial<DataCliIo>): Promise<number> {
  const out: DataCliIo = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    env: io?.env ?? process.env,
    cwd: io?.cwd ?? process.cwd(),
  };
  const verbose = argv.includes('--verbose');
  try {
    return await runCommand(argv, out);
  } catch (err) {
    const line = errorMessage(err).split('\n')[0];
    out.stderr.write(`cellar data: ${line}\n`);
    if (verbose && err instanceof Error && err.stack) out.stderr.write(`${err.stack}\n`);
    return err instanceof DataError && err.code === 'USAGE' ? 2 : 1;
  }
}

async function runCommand(argv: string[], io: DataCliIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (err) {
    throw new DataError('USAGE', `${command}: ${errorMessage(err)}; see 'cellar data --help'`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const root = values.root ? path.resolve(io.cwd, values.root) : findRoot(io.cwd);
  const pointers = positionals.length > 0 ? positionals.map((p) => path.resolve(io.cwd, p)) : undefined;
  const jobs = parseJobs(values.jobs);
  // A path typed on the command line is relative to where the user stands; bare words are remote names.
  const remote =
    values.remote !== undefined &&
    !/^[a-z][a-z0-9+.-]*:\/\//i.test(values.remote) &&
    /[\\/]|^\./.test(values.remote)
      ? path.resolve(io.cwd, values.remote)
      : values.remote;
  const common = { root, pointers, remote, env: io.env, jobs };

  switch (command) {
    case 'add': {
      if (positionals.length === 0)
        throw new DataError('USAGE', `add: name at least one file, e.g. 'cellar data add data/raw/x.csv'`);
      for (const file of positionals) {
        const r = await addData({
          root,
          file: path.resolve(io.cwd, file),
          push: values.push,
          remote,
          env: io.env,
          onProgress: progressPrinter(io),
        });
        const files = r.nfiles === undefined ? '' : `${r.nfiles} file${r.nfiles === 1 ? '' : 's'}, `;
        io.stdout.write(
          `added ${r.path} (${files}${formatBytes(r.size)}, md5 ${r.md5}) -> ${r.pointer}${r.pushed ? ', pushed' : ''}\n`,
        );
      }
      if (!values.push)
        io.stdout.write(`commit the .dvc and .gitignore files, then run 'cellar data push'\n`);
      return 0;
    }
    case 'pull':
    case 'checkout':
    case 'push': {
      const run = command === 'pull' ? pullData : command === 'checkout' ? checkoutData : pushData;
      const results = await run({ ...common, force: values.force, onProgress: progressPrinter(io) });
      for (const line of transferLines(results, command === 'push' ? 'uploaded' : 'fetched')) {
        io.stdout.write(`${line}\n`);
      }
      return 0;
    }
    case 'status': {
      const report = await dataStatus(common);
      if (values.json) {
        io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
        return 0;
      }
      const table = new Table({
        head: ['path', 'workspace', `remote '${report.remote.name}'`],
        style: { head: [], border: [] },
      });
      for (const f of report.files) {
        table.push([f.path, f.workspace, f.remote]);
        for (const u of f.untracked ?? []) table.push([u, `not in ${f.pointer}`, '-']);
      }
      io.stdout.write(`${table.toString()}\n`);
      return 0;
    }
    default:
      throw new DataError('USAGE', `unknown command '${command}'; use add, push, pull, checkout or status`);
  }
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      remote: { type: 'string' },
      jobs: { type: 'string' },
      root: { type: 'string' },
      json: { type: 'boolean', default: false },
      push: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
