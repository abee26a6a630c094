import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrackingError } from '@cellar/tracking';
import { copyFileAtomic } from './copy';
import { openFor, reportError, UsageError, type CliIo } from './runs-cli';
import { formatBytes } from './format';

export interface DownloadOptions {
  out?: string;
  verbose?: boolean;
}

/** The artifact names a download selects: all, one file, or the files under one folder. */
export function selectArtifacts(names: string[], wanted: string | undefined): string[] {
  if (wanted === undefined) return names;
  const slashed = wanted.replace(/\\/g, '/').replace(/\/+$/, '');
  const parts = slashed.split('/');
  if (
    slashed === '' ||
    path.posix.isAbsolute(slashed) ||
    /^[A-Za-z]:/.test(slashed) ||
    parts.some((p) => p === '..')
  )
    throw new UsageError(
      `artifact path '${wanted}' leaves the run's artifact folder; give a path relative to it`,
    );
  const normal = path.posix.normalize(slashed);
  return names.filter((n) => n === normal || n.startsWith(`${normal}/`));
}

/** `cellar artifacts download <run> [path] [--out dir]`: copies files keeping their artifact paths. */
export function downloadCommand(
  args: [string, string | undefined],
  opts: DownloadOptions,
  io: CliIo,
): number {
  const [runRef, wanted] = args;
  try {
    const store = openFor(io, true);
    try {
      const run = store.getRun(runRef);
      const names = selectArtifacts(
        run.artifacts.map((a) => a.path),
        wanted,
      );
      if (names.length === 0) {
        const known = run.artifacts.map((a) => a.path).join(', ') || 'none';
        throw new TrackingError(
          'ARTIFACT_NOT_FOUND',
          wanted === undefined
            ? `run ${run.info.runId} has no artifacts`
            : `run ${run.info.runId} has no artifact '${wanted}' (artifacts: ${known})`,
        );
      }
      const outDir = path.resolve(io.cwd, opts.out ?? '.');
      let bytes = 0;
      for (const name of names) {
        const source = store.artifactFile(run.info.runId, name);
        const dest = path.join(outDir, ...name.split('/'));
        // artifactFile validated the name; this also guards against a symlinked --out.
        if (path.relative(outDir, dest).startsWith('..'))
          throw new UsageError(`artifact '${name}' leaves ${outDir}`);
        if (!fs.existsSync(source))
          throw new TrackingError(
            'ARTIFACT_NOT_FOUND',
            `artifact '${name}' of run ${run.info.runId} is missing from ${path.dirname(source)}; the store lists it but its file is gone`,
          );
        bytes += copyFileAtomic(source, dest);
        io.stdout.write(`${path.relative(io.cwd, dest) || dest}\n`);
      }
      io.stderr.write(
        `downloaded ${names.length} file${names.length === 1 ? '' : 's'} (${formatBytes(bytes)}) of run ${run.info.runName} (${run.info.runId.slice(0, 8)})\n`,
      );
      return 0;
    } finally {
      store.close();
    }
  } catch (err) {
    return reportError(err, opts.verbose === true, io, 'cellar artifacts download');
  }
}
