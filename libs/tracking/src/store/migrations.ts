import { TrackingError } from '../errors';
import type { StoreConnection } from './connection';
import { MIGRATIONS, SCHEMA_VERSION } from './schema';
import { BUSY_TIMEOUT_MS, sqliteCode } from './sqlite-errors';

const OWN_TABLES = new Set([
  'experiments',
  'runs',
  'params',
  'metrics',
  'latest_metrics',
  'tags',
  'artifacts',
  'experiment_tags',
  'sqlite_sequence',
]);

/** Checks the schema version and applies pending migrations (one IMMEDIATE transaction each). */
export function migrate(c: StoreConnection): void {
  const version = c.db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) {
    throw new TrackingError(
      'SCHEMA_TOO_NEW',
      `${c.display} has schema version ${version} but this Cellar knows up to ${SCHEMA_VERSION}; upgrade Cellar to read it`,
      { file: c.dbPath },
    );
  }
  if (c.readonly) {
    if (version < SCHEMA_VERSION) {
      throw new TrackingError(
        'SCHEMA_OUTDATED',
        `${c.display} has schema version ${version} (need ${SCHEMA_VERSION}); open it once for writing to migrate`,
        {
          file: c.dbPath,
        },
      );
    }
    return;
  }
  if (version === 0) {
    const foreign = (
      c.db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).all() as { name: string }[]
    )
      .map((t) => t.name)
      .filter((name) => !OWN_TABLES.has(name));
    if (foreign.length > 0) {
      throw new TrackingError(
        'NOT_A_DATABASE',
        `${c.display} is not a Cellar tracking database (it has other tables: ${foreign.slice(0, 5).join(', ')})`,
        {
          file: c.dbPath,
        },
      );
    }
  }
  enableWal(c);
  for (let v = version; v < SCHEMA_VERSION; v += 1) {
    c.db
      .transaction(() => {
        // Another process may have migrated while we waited for the lock.
        const current = c.db.pragma('user_version', { simple: true }) as number;
        if (current !== v) return;
        c.db.exec(MIGRATIONS[v]);
        c.db.pragma(`user_version = ${v + 1}`);
      })
      .immediate();
  }
}

function enableWal(c: StoreConnection): void {
  // Switching to WAL takes an exclusive lock and may report BUSY without waiting; retry briefly.
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      const mode = c.db.pragma('journal_mode', { simple: true }) as string;
      if (mode.toLowerCase() !== 'wal') c.db.pragma('journal_mode = WAL');
      return;
    } catch (err) {
      if (!String(sqliteCode(err)).startsWith('SQLITE_BUSY') || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
