import { parseCliArgs, USAGE, type CliCommand } from './cli';
import { CacheServerError } from './errors';
import { purge } from './purge';
import { startCacheServer } from './server';
import { createStorage } from './storage/create-storage';

function fail(err: unknown, verbose: boolean): never {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `cellar-cache-server: ${verbose && err instanceof Error && err.stack ? err.stack : message}\n`,
  );
  process.exit(err instanceof CacheServerError ? 2 : 1);
}

async function runPurge(command: CliCommand): Promise<void> {
  const storage = await createStorage(command.options.storage);
  await storage.open();
  try {
    await purge(storage, command.purge as NonNullable<CliCommand['purge']>, (line) =>
      process.stdout.write(`${line}\n`),
    );
  } finally {
    await storage.close();
  }
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
  if (command.purge) {
    runPurge(command).catch((err) => fail(err, verbose));
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
