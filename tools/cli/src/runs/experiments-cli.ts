import { formatTable, formatTime } from './format';
import { openFor, reportError, type CliIo } from './runs-cli';

export interface ExperimentsOptions {
  json?: boolean;
  all?: boolean;
  verbose?: boolean;
}

const plural = (n: number) => `${n} run${n === 1 ? '' : 's'}`;

/** `cellar experiments ls|create|rename|delete|restore`, args as commander checked them. */
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
          const experiments = store.searchExperiments({ lifecycle: opts.all ? 'all' : 'active' });
          if (opts.json) {
            io.stdout.write(`${JSON.stringify(experiments, null, 2)}\n`);
          } else if (experiments.length === 0) {
            io.stdout.write("no experiments; runs create them, or 'cellar experiments create <name>'\n");
          } else {
            io.stdout.write(
              formatTable(
                [
                  { header: 'NAME' },
                  { header: 'RUNS', align: 'right' },
                  { header: 'CREATED (UTC)' },
                  ...(opts.all ? [{ header: 'STAGE' }] : []),
                ],
                experiments.map((e) => [
                  e.name,
                  String(e.runCount),
                  formatTime(e.createdAt),
                  ...(opts.all ? [e.lifecycleStage] : []),
                ]),
              ),
            );
          }
          return 0;
        }
        case 'create': {
          const [name] = args;
          store.createExperiment(name);
          io.stdout.write(`created experiment '${name}'\n`);
          return 0;
        }
        case 'rename': {
          const [from, to] = args;
          const found = store.getExperiment(from);
          store.renameExperiment(found.id, to);
          io.stdout.write(`renamed experiment '${from}' to '${to}' (${plural(found.runCount)})\n`);
          return 0;
        }
        case 'delete':
        case 'restore': {
          const [name] = args;
          const found = store.getExperiment(name);
          store.setExperimentLifecycle(found.id, command === 'delete' ? 'deleted' : 'active');
          io.stdout.write(
            command === 'delete'
              ? `deleted experiment '${name}' and its ${plural(found.runCount)}; 'cellar experiments restore ${name}' brings them back\n`
              : `restored experiment '${name}' and its ${plural(found.runCount)}\n`,
          );
          return 0;
        }
        default:
          throw new Error(`unknown command '${command}'`);
      }
    } finally {
      store.close();
    }
  } catch (err) {
    return reportError(err, opts.verbose === true, io, `cellar experiments ${command}`);
  }
}
