import { formatTable, formatTime } from './format';
import { openFor, reportError, UsageError, type CliIo } from './runs-cli';

export interface ExperimentsOptions {
  json?: boolean;
  yes?: boolean;
  verbose?: boolean;
}

/** `cellar experiments ls|create|rename|delete`, args as commander checked them. */
export function experimentsCommand(
  command: string,
  args: string[],
  opts: ExperimentsOptions,
  io: CliIo,
): number {
  try {
    const store = openFor(io, command === 'ls');
    try {
      switch (command) {
        case 'ls': {
          const experiments = store.listExperiments();
          if (opts.json) {
            io.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
          } else if (experiments.length === 0) {
            io.stdout.write("no experiments; runs create them, or 'cellar experiments create <name>'\n");
          } else {
            io.stdout.write(
              formatTable(
                [{ header: 'NAME' }, { header: 'RUNS', align: 'right' }, { header: 'CREATED (UTC)' }],
                experiments.map((e) => [e.name, String(e.runCount), formatTime(e.createdAt)]),
              ),
            );
          }
          return 0;
        }
        case 'create': {
          const [name] = args;
          if (store.listExperiments().some((e) => e.name === name))
            throw new UsageError(`experiment '${name}' already exists`);
          store.getOrCreateExperiment(name);
          io.stdout.write(`created experiment '${name}'\n`);
          return 0;
        }
        case 'rename': {
          const [from, to] = args;
          const renamed = store.renameExperiment(from, to);
          io.stdout.write(
            `renamed experiment '${from}' to '${to}' (${renamed.runCount} run${renamed.runCount === 1 ? '' : 's'})\n`,
          );
          return 0;
        }
        case 'delete': {
          const [name] = args;
          const found = store.listExperiments().find((e) => e.name === name);
          // Unknown names fall through to the store's EXPERIMENT_NOT_FOUND.
          if (found !== undefined && found.runCount > 0 && !opts.yes) {
            io.stdout.write(
              `experiment '${name}' has ${found.runCount} run${found.runCount === 1 ? '' : 's'}; nothing deleted; add --yes to delete it with its runs and their artifacts\n`,
            );
            return 0;
          }
          const runs = store.deleteExperiment(name);
          io.stdout.write(
            `deleted experiment '${name}' and ${runs.length} run${runs.length === 1 ? '' : 's'}\n`,
          );
          return 0;
        }
        default:
          throw new UsageError(`unknown command '${command}'`);
      }
    } finally {
      store.close();
    }
  } catch (err) {
    return reportError(err, opts.verbose === true, io, `cellar experiments ${command}`);
  }
}
