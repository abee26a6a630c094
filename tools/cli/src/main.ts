import { parseArgs } from 'node:util';

const USAGE = `usage: cellar <command> [options]

commands:
  runs ls|show|compare|diff|gc   query and clean the experiment-tracking store (mlruns/cellar.db)
  data add|push|pull|status      track data files with DVC-compatible pointers and remotes
  ui [--port 5000] [--host 127.0.0.1] [--db mlruns/cellar.db]
                                 serve the tracking web UI

Run 'cellar <command> --help' for a command's options. Add --verbose for stack traces.`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'runs': {
      const { runsCli } = await import('./runs/runs-cli');
      return runsCli(rest);
    }
    case 'data': {
      const { dataCli } = await import('./data/data-cli');
      return dataCli(rest);
    }
    case 'ui':
      return serveUi(rest);
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`cellar: unknown command '${command}'\n${USAGE}`);
      return 2;
  }
}

async function serveUi(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '5000' },
        host: { type: 'string', default: '127.0.0.1' },
        db: { type: 'string' },
        verbose: { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    console.error(`cellar ui: ${(e as Error).message}`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`cellar ui: --port must be an integer from 0 to 65535 (got '${values.port}')`);
    return 2;
  }
  try {
    const { startUiServer } = await import('@cellar/tracking');
    const server = await startUiServer({ dbPath: values.db, root: process.cwd(), host: values.host, port });
    console.log(`Cellar tracking UI on ${server.url} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } catch (e) {
    console.error(`cellar ui: ${(e as Error).message.split('\n')[0]}`);
    if (values.verbose) console.error((e as Error).stack);
    return 1;
  }
}
