import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { errorMessage } from '@cellar/config';
import { addRemote, DataError, listRemotes, removeRemote, setDefaultRemote } from '@cellar/data';

export interface RemoteCliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
  cwd: string;
}

const USAGE = `usage: cellar remote <command> [options]

commands:
  add <name> <url> [--default] [--force]   add a data remote to .dvc/config (--default: make it the default;
                                           --force: replace a remote of that name)
  list                                     every remote: name, url and (default)
  default <name>                           make <name> the default remote
  remove <name>                            remove a remote (and the default setting when it named it)

options:
  --root <dir>                             workspace root (default: nearest folder with .dvc/ above the cwd)
  --verbose                                print stack traces on errors

<url> is a local path (relative to the cwd; stored relative to .dvc/ as dvc stores it), s3://bucket/prefix
or http(s)://… (read-only). The file stays readable by 'dvc remote': same sections, comments kept.`;

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

/** As dvc stores a local path typed on the command line: relative to the .dvc/ folder, POSIX slashes. */
function storedUrl(url: string, cwd: string, root: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url) || url.startsWith('~') || path.isAbsolute(url)) return url;
  return path.relative(path.join(root, '.dvc'), path.resolve(cwd, url)).split(path.sep).join('/');
}

export async function remoteCli(argv: string[], io?: Partial<RemoteCliIo>): Promise<number> {
  const out: RemoteCliIo = {
    stdout: io?.stdout ?? process.stdout,
    stderr: io?.stderr ?? process.stderr,
    cwd: io?.cwd ?? process.cwd(),
  };
  try {
    return run(argv, out);
  } catch (err) {
    out.stderr.write(`cellar remote: ${errorMessage(err).split('\n')[0]}\n`);
    if (argv.includes('--verbose') && err instanceof Error && err.stack) out.stderr.write(`${err.stack}\n`);
    return err instanceof DataError && err.code === 'USAGE' ? 2 : 1;
  }
}

function run(argv: string[], io: RemoteCliIo): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return command === undefined ? 2 : 0;
  }
  let parsed: ReturnType<typeof parseOptions>;
  try {
    parsed = parseOptions(rest);
  } catch (err) {
    throw new DataError('USAGE', `${command}: ${errorMessage(err)}; see 'cellar remote --help'`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const root = values.root ? path.resolve(io.cwd, values.root) : findRoot(io.cwd);
  const arity = (n: number, shape: string) => {
    if (positionals.length !== n)
      throw new DataError('USAGE', `${command}: expected ${shape} (got ${positionals.length} arguments)`);
  };
  switch (command) {
    case 'add': {
      arity(2, '<name> <url>');
      const [name, url] = positionals;
      const r = addRemote(root, name, storedUrl(url, io.cwd, root), {
        makeDefault: values.default,
        force: values.force,
      });
      io.stdout.write(
        `added remote '${r.name}' (${r.url}) to .dvc/config${r.isDefault ? ', the default' : ''}\n`,
      );
      return 0;
    }
    case 'list': {
      arity(0, 'no arguments');
      const remotes = listRemotes(root);
      if (remotes.length === 0)
        io.stdout.write(
          `no remotes in .dvc/config; add one with 'cellar remote add <name> <url> --default'\n`,
        );
      for (const r of remotes) io.stdout.write(`${r.name}\t${r.url}${r.isDefault ? '\t(default)' : ''}\n`);
      return 0;
    }
    case 'default': {
      arity(1, '<name>');
      setDefaultRemote(root, positionals[0]);
      io.stdout.write(`default remote: ${positionals[0].toLowerCase()}\n`);
      return 0;
    }
    case 'remove': {
      arity(1, '<name>');
      removeRemote(root, positionals[0]);
      io.stdout.write(`removed remote '${positionals[0].toLowerCase()}' from .dvc/config\n`);
      return 0;
    }
    default:
      throw new DataError('USAGE', `unknown command '${command}'; use add, list, default or remove`);
  }
}

function parseOptions(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    options: {
      default: { type: 'boolean', short: 'd', default: false },
      force: { type: 'boolean', short: 'f', default: false },
      root: { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}
