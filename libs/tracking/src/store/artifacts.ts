import { errorMessage } from '@cellar/config';
import { displayPathOf } from '@cellar/data';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TrackingError } from '../errors';
import { copyFileAtomic, normalizeArtifactName } from './artifact-files';
import type { StoreConnection } from './connection';
import { requireRun, resolveRun, type RunRow } from './run-rows';
import { sqliteCode } from './sqlite-errors';
import type { ArtifactInfo } from './types';

export function runArtifactDir(c: StoreConnection, row: RunRow): string {
  return path.join(c.artifactRoot, row.experiment_name, row.run_id);
}

export function logArtifact(c: StoreConnection, runId: string, file: string, name?: string): ArtifactInfo {
  const artifactName = normalizeArtifactName(name ?? path.basename(file));
  return c.guard(() => {
    if (c.readonly) c.write(() => undefined);
    const row = requireRun(c, runId);
    const source = path.resolve(c.root, file);
    const shownSource = displayPathOf(c.root, source);
    const stat = fs.statSync(source, { throwIfNoEntry: false });
    if (stat === undefined) {
      throw new TrackingError(
        'ARTIFACT_NOT_FOUND',
        `artifact source '${shownSource}' of run ${runId} does not exist`,
        { runId, file: source },
      );
    }
    if (!stat.isFile()) {
      throw new TrackingError(
        'ARTIFACT_FAILED',
        `artifact source '${shownSource}' of run ${runId} is not a regular file; log its files one by one`,
        {
          runId,
          file: source,
        },
      );
    }
    const dest = path.join(runArtifactDir(c, row), ...artifactName.split('/'));
    const shownDest = displayPathOf(c.root, path.dirname(dest));
    let copied: { size: number; sha256: string };
    try {
      copied = copyFileAtomic(source, dest);
    } catch (err) {
      const code = sqliteCode(err);
      if (code === 'ENOSPC' || code === 'EDQUOT') {
        throw new TrackingError(
          'DISK_FULL',
          `cannot copy artifact '${artifactName}' of run ${runId} into ${shownDest}: no space left on device (${code}); free space and log it again`,
          {
            runId,
            file: dest,
            cause: err,
          },
        );
      }
      if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') {
        throw new TrackingError(
          'READ_ONLY',
          `cannot copy artifact '${artifactName}' of run ${runId}: ${shownDest} is read-only (${code})`,
          { runId, file: dest, cause: err },
        );
      }
      throw new TrackingError(
        'ARTIFACT_FAILED',
        `cannot copy artifact '${artifactName}' of run ${runId} into ${shownDest}: ${errorMessage(err)}`,
        {
          runId,
          file: dest,
          cause: err,
        },
      );
    }
    c.write(() => {
      c.stmt(
        `INSERT INTO artifacts (run_id, path, size, sha256) VALUES (?, ?, ?, ?) ON CONFLICT (run_id, path) DO UPDATE SET size = excluded.size, sha256 = excluded.sha256`,
      ).run(runId, artifactName, copied.size, copied.sha256);
    });
    return { path: artifactName, size: copied.size, sha256: copied.sha256 };
  });
}

export function artifactFile(c: StoreConnection, runId: string, name: string): string {
  const artifactName = normalizeArtifactName(name);
  return c.guard(() => {
    const row = resolveRun(c, runId);
    const known = c
      .stmt(`SELECT 1 FROM artifacts WHERE run_id = ? AND path = ?`)
      .get(row.run_id, artifactName);
    if (known === undefined) {
      throw new TrackingError(
        'ARTIFACT_NOT_FOUND',
        `artifact '${artifactName}' not found in run ${row.run_id}`,
        { runId: row.run_id, key: artifactName },
      );
    }
    const dir = runArtifactDir(c, row);
    const file = path.resolve(dir, ...artifactName.split('/'));
    const rel = path.relative(dir, file);
    if (rel.startsWith('..') || path.isAbsolute(rel)) {
      throw new TrackingError(
        'INVALID_NAME',
        `artifact name '${name}' escapes the artifact folder of run ${row.run_id}`,
        { runId: row.run_id, key: name },
      );
    }
    return file;
  });
}
