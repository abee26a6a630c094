import { parseCliArgs, USAGE } from './cli';
import { CacheServerError } from './errors';
import { startCacheServer } from './server';

function fail(err: unknown, verbose: boolean): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `cellar-cache-server: ${verbose && err instanceof Error && err.stack ? err.stack : message}\n`,
  );
  process.exit(err instanceof CacheServerError ? 2 : 1);
}

function main(): void {
  const argv = process.argv.slice(2);
  const verbose = argv.includes('--verbose');
  let command;
  try {
    command = parseCliArgs(argv);
  } catch (err) {
    fail(err, verbose);
  }
  if (command.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  startCacheServer(command.options).then(
    (server) => {
      const stop = () => {
        server.close().then(
          () => process.exit(0),
          (err) => fail(err, verbose),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    },
    (err) => fail(err, verbose),
  );
}

main();
