const USAGE = `usage: cellar <command> [options]

commands:
  runs ls|show|compare|diff|gc   query and clean the experiment-tracking store (mlruns/cellar.db)
  data add|push|pull|checkout|status
                                 track data files and folders with DVC-compatible pointers and remotes
  remote add|list|default|remove manage the data remotes of .dvc/config, as 'dvc remote' does
  metrics diff [<base>] [<head>] pipeline metrics and changed params between two git revisions
  plots [<base>] [<head>]        SVG plots (sweeps, confusion matrices, base vs head) and an --html page
  report --base <rev>            a markdown pull-request report: metrics diff, changed params, plots
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
    case 'remote': {
      const { remoteCli } = await import('./remote/remote-cli');
      return remoteCli(rest);
    }
    case 'metrics': {
      const { metricsCli } = await import('./metrics/metrics-cli');
      return metricsCli(rest);
    }
    case 'plots': {
      const { plotsCli } = await import('./plots/plots-cli');
      return plotsCli(rest);
    }
    case 'report': {
      const { reportCli } = await import('./report/report-cli');
      return reportCli(rest);
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
