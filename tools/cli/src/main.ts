const USAGE = `usage: cellar <command> [options]

commands:
  runs ls|show|compare|diff|gc   query and clean the experiment-tracking store (mlruns/cellar.db)
  data add|push|pull|status      track data files with DVC-compatible pointers and remotes
  ui [--port 5000] [--host 127.0.0.1] [--db mlruns/cellar.db]
                                 serve the tracking web UI (read-only)
  server [same options]          the UI plus the MLflow REST API, accepting runs (see README)

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
    case 'ui': {
      const { serveUi } = await import('@cellar/tracking-ui');
      return serveUi(rest, 'cellar ui');
    }
    case 'server': {
      const { serveUi } = await import('@cellar/tracking-ui');
      return serveUi(rest, 'cellar server', { writable: true });
    }
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
