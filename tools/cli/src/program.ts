// The command tree: every command and subcommand with its own --help, parsed by commander.
// Actions load their group's module lazily, so `cellar --help` loads no store or server code.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import type { CliIo } from './runs/runs-cli';

export function cliVersion(): string {
  // src/ and dist/ both sit beside package.json.
  return (JSON.parse(fs.readFileSync(path.join(__dirname, '../package.json'), 'utf8')) as { version: string })
    .version;
}

export function defaultIo(io?: Partial<CliIo>): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd(), ...io };
}

type Run = (argv: string[], cmd: Command) => Promise<number> | number;

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

/**
 * The argv a group's own parser expects, rebuilt from what commander parsed: options first, then
 * `--` and the operands, so an operand starting with '-' stays an operand.
 */
export function forwardedArgv(cmd: Command): string[] {
  const argv: string[] = [];
  for (const option of cmd.options) {
    const value = cmd.getOptionValue(option.attributeName());
    if (value === undefined || value === false || option.long === undefined) continue;
    if (value === true) argv.push(option.long);
    else for (const v of Array.isArray(value) ? value : [value]) argv.push(option.long, String(v));
  }
  return cmd.args.length > 0 ? [...argv, '--', ...cmd.args] : argv;
}

function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

interface Built {
  program: Command;
  code: { value: number };
}

function buildProgram(io: CliIo): Built {
  const code = { value: 0 };
  const program = new Command('cellar')
    .description(
      'Reproducible ML pipelines as Nx targets: tracked runs, versioned data, metrics across revisions.',
    )
    .version(cliVersion(), '-V, --version', 'print the version of cellar')
    .helpOption('-h, --help', 'show help for the command')
    .addHelpText(
      'after',
      "\nRun 'cellar <command> --help' for a command's options. Add --verbose for stack traces.",
    );

  /** A leaf command: --verbose, and an action whose exit code becomes the process's. */
  const leaf = (parent: Command, spec: string, description: string, run: Run): Command => {
    const cmd = parent.command(spec).description(description);
    cmd.option('--verbose', 'print stack traces on errors');
    cmd.action(async (...args: unknown[]) => {
      const self = args[args.length - 1] as Command;
      code.value = await run(forwardedArgv(self), self);
    });
    return cmd;
  };
  const group = (name: string, description: string) =>
    program.command(name).description(description).addHelpCommand(false);

  // ---- runs ----
  const runs = group(
    'runs',
    'query, compare, export and clean the experiment-tracking store (mlruns/cellar.db)',
  );
  runs.addHelpText(
    'after',
    '\nenv: CELLAR_TRACKING_DB (default mlruns/cellar.db), CELLAR_ARTIFACT_ROOT (default <db dir>/artifacts)',
  );
  const legacyRuns = (sub: string) => async (argv: string[]) =>
    (await import('./runs/runs-cli')).runsCommand(sub, argv, io);
  const filterOptions = (cmd: Command, maxDefault: string) =>
    cmd
      .option('-e, --experiment <name>', 'only runs of this experiment (repeatable)', collect)
      .option(
        '-f, --filter <expr>',
        `MLflow-style search, e.g. "metrics.accuracy > 0.6 and params.model.C = '1.0'"`,
      )
      .option(
        '-o, --order-by <term>',
        'e.g. "metrics.accuracy DESC" (repeatable; default newest first)',
        collect,
      )
      .option('-n, --max <n>', `at most n runs (default ${maxDefault})`);
  filterOptions(leaf(runs, 'ls', 'list runs: metrics and the params that differ', legacyRuns('ls')), '50')
    .alias('list')
    .option('--json', 'print the search result as JSON')
    .option(
      '-c, --columns <list>',
      'comma-separated columns: id, name, status, start, duration, metrics.x, params.y, tags.z',
    )
    .allowExcessArguments(true);
  leaf(
    runs,
    'show <run>',
    'info, params, metrics, tags and artifacts of a run (id, id prefix or name)',
    legacyRuns('show'),
  );
  leaf(
    runs,
    'compare <runs...>',
    "params and metrics of two or more runs side by side; '*' marks rows that differ",
    legacyRuns('compare'),
  ).option('-w, --wide', 'full values; by default long values are cut to fit the terminal width');
  leaf(
    runs,
    'diff <old> <new>',
    'metric changes (new - old) and differing params',
    legacyRuns('diff'),
  ).option('-a, --all', 'also list unchanged metrics and params');
  leaf(
    runs,
    'gc',
    'delete runs (default FAILED and KILLED) and their artifacts: without --yes it only lists the runs it would delete',
    legacyRuns('gc'),
  )
    .option(
      '--older-than <age>',
      'only runs started before 30d, 12h, 90min ago or before a date (2026-01-01)',
    )
    .option('--status <list>', 'comma-separated statuses to delete (default FAILED,KILLED)')
    .option(
      '--deleted',
      'purge the runs deleted in the UI or over the MLflow API (any status; --older-than counts from the deletion), as mlflow gc',
    )
    .option('-n, --dry-run', 'list every run that would be deleted, delete nothing')
    .option('-y, --yes', 'delete them')
    .allowExcessArguments(true);
  filterOptions(
    leaf(
      runs,
      'export',
      'every matching run as CSV (params.x, metrics.y, tags.z columns) or JSON',
      async (_argv, cmd) => (await import('./runs/export-cli')).exportCommand(cmd.opts(), io),
    ),
    'all',
  )
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--out <file>', 'write to this file (atomically) instead of stdout');

  // ---- experiments ----
  const experiments = group('experiments', 'list, create, rename, delete and restore experiments');
  const expCmd = (spec: string, description: string) =>
    leaf(experiments, spec, description, async (_argv, cmd) =>
      (await import('./runs/experiments-cli')).experimentsCommand(
        cmd.name(),
        cmd.processedArgs as string[],
        cmd.opts(),
        io,
      ),
    );
  expCmd('ls', 'the active experiments with their number of runs')
    .alias('list')
    .option('--all', 'also the deleted ones, with a STAGE column')
    .option('--json', 'print JSON');
  expCmd('create <name>', 'create an empty experiment');
  expCmd('rename <old> <new>', 'rename an experiment (its artifact folder follows)');
  expCmd('delete <name>', "delete an experiment and its runs, as MLflow does: kept until 'restore'");
  expCmd('restore <name>', 'restore a deleted experiment and its runs');

  // ---- artifacts ----
  const artifacts = group('artifacts', "copy a run's artifacts out of the store");
  leaf(
    artifacts,
    'download <run> [path]',
    "copy a run's artifact files (all, one file, or one folder) into --out",
    async (_argv, cmd) =>
      (await import('./runs/artifacts-cli')).downloadCommand(
        cmd.processedArgs as [string, string | undefined],
        cmd.opts(),
        io,
      ),
  ).option('--out <dir>', 'where the files go, keeping their paths (default: the current folder)');

  // ---- data ----
  const data = group(
    'data',
    'track data files and folders with DVC-compatible pointers, remotes and a local cache',
  );
  data.addHelpText('after', "\nManage remotes with 'cellar remote'.");
  const legacyData = (sub: string) => async (argv: string[]) =>
    (await import('./data/data-cli')).dataCli([sub, ...argv], io);
  const dataOptions = (cmd: Command) =>
    cmd
      .option(
        '--remote <name|url|path>',
        'remote name from .dvc/config, URL or path (default: env CELLAR_DATA_REMOTE, then .dvc/config)',
      )
      .option('--jobs <n>', 'parallel transfers (default 4)')
      .option('--root <dir>', 'workspace root (default: nearest folder with .dvc/ above the cwd)')
      .allowExcessArguments(true);
  dataOptions(
    leaf(
      data,
      'add [paths...]',
      'track files or folders: write <path>.dvc beside each, git-ignore the data, cache a copy',
      legacyData('add'),
    ),
  ).option('--push', 'also upload them to the remote');
  dataOptions(
    leaf(
      data,
      'push [pointers...]',
      'upload tracked data whose objects are missing in the remote',
      legacyData('push'),
    ),
  );
  dataOptions(
    leaf(
      data,
      'pull [pointers...]',
      'bring the workspace to its pointers: from .cellar/cache, downloading what it lacks',
      legacyData('pull'),
    ),
  ).option('--force', 'also replace local changes');
  dataOptions(
    leaf(
      data,
      'checkout [pointers...]',
      'the same from .cellar/cache only, never reading the remote',
      legacyData('checkout'),
    ),
  ).option('--force', 'also replace local changes');
  dataOptions(
    leaf(
      data,
      'status [pointers...]',
      'workspace and remote state of every tracked file',
      legacyData('status'),
    ),
  ).option('--json', 'print JSON');

  // ---- remote ----
  const remote = group('remote', "manage the data remotes of .dvc/config, as 'dvc remote' does");
  const legacyRemote = (sub: string) => async (argv: string[]) =>
    (await import('./remote/remote-cli')).remoteCli([sub, ...argv], io);
  const rootOption = (cmd: Command) =>
    cmd.option('--root <dir>', 'workspace root (default: nearest folder with .dvc/ above the cwd)');
  rootOption(
    leaf(
      remote,
      'add <name> <url>',
      'add a data remote (a local path, s3://bucket/prefix or http(s)://…)',
      legacyRemote('add'),
    ),
  )
    .option('-d, --default', 'make it the default remote')
    .option('-f, --force', 'replace a remote of that name');
  rootOption(leaf(remote, 'list', 'every remote: name, url and (default)', legacyRemote('list')));
  rootOption(leaf(remote, 'default <name>', 'make <name> the default remote', legacyRemote('default')));
  rootOption(
    leaf(
      remote,
      'remove <name>',
      'remove a remote (and the default setting when it named it)',
      legacyRemote('remove'),
    ),
  );

  // ---- metrics, plots, report ----
  const metrics = group('metrics', 'pipeline metrics across git revisions');
  leaf(
    metrics,
    'diff [base] [head]',
    "every pipeline's metrics at two revisions (default HEAD and the working tree) side by side, with changed params",
    async (argv) => (await import('./metrics/metrics-cli')).metricsCli(['diff', ...argv], io),
  )
    .option('--json', 'machine-readable output')
    .option('--md', "a markdown table (what 'cellar report' embeds)")
    .option('--all', 'also list unchanged pipelines and metrics');
  leaf(
    program,
    'plots [base] [head]',
    'SVG plots: scores, confusion matrices, sweeps; base vs head with a revision',
    async (argv) => (await import('./plots/plots-cli')).plotsCli(argv, io),
  )
    .option('--out <dir>', 'where the SVG files go (default cellar-plots)')
    .option('--html', 'also write <dir>/index.html embedding every plot')
    .option('--metric <name>', "the sweep plots' metric (default accuracy)");
  leaf(
    program,
    'report',
    'a markdown pull-request report: metrics diff, changed params, plots',
    async (argv) => (await import('./report/report-cli')).reportCli(argv, io),
  )
    .option('--base <rev>', 'the revision to compare against (required), e.g. origin/main')
    .option('--head <rev>', 'default: the working tree')
    .option('--out <file>', 'default cellar-report/report.md')
    .option('--plots-url <url>', 'prefix for the plot links instead of plots/')
    .option('--all', 'also list unchanged pipelines');

  // ---- ui / server ----
  for (const name of ['ui', 'server']) {
    const server = name === 'server';
    leaf(
      program,
      name,
      server
        ? 'serve the tracking web UI plus the MLflow REST API, accepting runs (--read-only: as cellar ui)'
        : 'serve the tracking web UI (read-only; --writable: as cellar server)',
      async (argv) =>
        (await import('@cellar/tracking-ui')).serveUi(argv, `cellar ${name}`, { writable: server }),
    )
      .option('--port <port>', 'port (default 5000; 0 picks a free one)')
      .option('--host <host>', 'address to listen on (default 127.0.0.1)')
      .option('--db <file>', 'tracking database (default mlruns/cellar.db)')
      .option('--writable', 'accept runs over the MLflow API')
      .option('--read-only', 'refuse writes over the MLflow API');
  }

  // Every command writes through io and reports parse errors as one line (see runProgram).
  const configure = (cmd: Command) => {
    cmd
      .configureOutput({
        writeOut: (s) => io.stdout.write(s),
        writeErr: (s) => io.stderr.write(s),
        outputError: () => undefined,
      })
      .showSuggestionAfterError(true)
      .exitOverride((err) => {
        throw Object.assign(err, { commandPath: commandPath(cmd) });
      });
    cmd.commands.forEach(configure);
  };
  configure(program);
  return { program, code };
}

/** Runs argv through the command tree: 0 on success, 1 on errors, 2 on usage errors. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const { program, code } = buildProgram(io);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return code.value;
  } catch (err) {
    if (!(err instanceof CommanderError)) {
      // Commands report their own errors; this is for anything that escaped one.
      io.stderr.write(`cellar: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}\n`);
      if (argv.includes('--verbose') && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
      return 1;
    }
    if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
    // A group without its subcommand: its help went to stderr.
    if (err.code === 'commander.help') return 2;
    const where = (err as CommanderError & { commandPath?: string }).commandPath ?? 'cellar';
    const message = err.message.replace(/^error: /, '').replace(/\n/g, ' ');
    io.stderr.write(`${where}: ${message} (see '${where} --help')\n`);
    return 2;
  }
}
