import { defaultIo, runCli } from './program';
import type { CliIo } from './runs/runs-cli';

/** `cellar <argv>`: the exit code (0 ok, 1 error, 2 usage error). */
export async function main(argv: string[], io?: Partial<CliIo>): Promise<number> {
  return runCli(argv, defaultIo(io));
}
