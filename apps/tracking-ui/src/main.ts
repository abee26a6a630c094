import { parseArgs } from 'node:util';
import { errorMessage } from '@cellar/config';
import { startUiServer } from './server';

/** Serve the UI until SIGINT/SIGTERM; `name` prefixes messages (`cellar ui` when run from the CLI). */
export async function serveUi(
  argv: string[],
  name = 'tracking-ui',
  defaults: { writable?: boolean } = {},
): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '5000' },
        host: { type: 'string', default: '127.0.0.1' },
        db: { type: 'string' },
        verbose: { type: 'boolean', default: false },
        // Accept runs over the MLflow API (the default of `cellar server`); --read-only turns it off.
        writable: { type: 'boolean', default: defaults.writable === true },
        'read-only': { type: 'boolean', default: false },
      },
    }));
  } catch (e) {
    console.error(`${name}: ${errorMessage(e)}`);
    return 2;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`${name}: --port must be an integer from 0 to 65535 (got '${values.port}')`);
    return 2;
  }
  try {
    const writable = values.writable && !values['read-only'];
    const server = await startUiServer({
      dbPath: values.db,
      root: process.cwd(),
      host: values.host,
      port,
      writable,
    });
    const api = writable ? `; MLflow API at ${server.url}api/2.0/mlflow/` : ' (read-only)';
    console.log(`Cellar tracking UI on ${server.url}${api} (Ctrl-C to stop)`);
    await new Promise<void>((resolve) => {
      const stop = () => void server.close().then(resolve);
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    return 0;
  } catch (e) {
    console.error(`${name}: ${errorMessage(e).split('\n')[0]}`);
    if (values.verbose) console.error((e as Error).stack);
    return 1;
  }
}
