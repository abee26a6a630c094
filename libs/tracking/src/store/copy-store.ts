import Database from 'better-sqlite3';
import { TrackingError } from '../errors';
import { PgConnection, redactUri, translatePgError } from './pg-connection';
import { SyncPgClient } from './pg-sync';

// Parents before children (foreign keys); columns as in the current schema.
const TABLES: [string, string[]][] = [
  ['experiments', ['id', 'name', 'created_at', 'lifecycle_stage', 'last_update_time']],
  ['experiment_tags', ['experiment_id', 'key', 'value']],
  [
    'runs',
    [
      'run_id',
      'experiment_id',
      'run_name',
      'status',
      'start_time',
      'end_time',
      'git_commit',
      'config_hash',
      'data_md5',
      'error',
      'pid',
      'host',
      'lifecycle_stage',
      'user_id',
      'deleted_time',
    ],
  ],
  ['params', ['run_id', 'key', 'value']],
  ['metrics', ['run_id', 'key', 'value', 'step', 'timestamp']],
  ['latest_metrics', ['run_id', 'key', 'value', 'step', 'timestamp']],
  ['tags', ['run_id', 'key', 'value']],
  ['artifacts', ['run_id', 'path', 'size', 'sha256']],
];

const CHUNK = 5000;

/**
 * Copies every row of a SQLite tracking database into an empty PostgreSQL store (created and
 * migrated here), in one transaction; artifacts stay where they are (same artifact root).
 * Returns rows copied per table.
 */
export function copySqliteStoreToPostgres(sqlitePath: string, uri: string): Record<string, number> {
  const source = new Database(sqlitePath, { readonly: true, fileMustExist: true });
  const target = new PgConnection(uri, {});
  const counts: Record<string, number> = {};
  try {
    target.migrate();
    const existing = target.exec(`SELECT count(*) AS n FROM runs`)[0] as { n: number };
    if (existing.n > 0)
      throw new TrackingError(
        'ALREADY_EXISTS',
        `${target.display} already has ${existing.n} runs; copy into an empty store`,
        {
          file: target.display,
        },
      );
    target.write(() => {
      for (const [table, columns] of TABLES) {
        const list = columns.join(', ');
        const rows = source.prepare(`SELECT ${list} FROM ${table}`).all() as Record<string, unknown>[];
        for (let i = 0; i < rows.length; i += CHUNK) {
          // ±Infinity has no JSON number: send it as text, which float8 reads back.
          const chunk = JSON.stringify(rows.slice(i, i + CHUNK), (_k, v: unknown) =>
            typeof v === 'number' && !Number.isFinite(v) ? String(v) : v,
          );
          target.exec(
            `INSERT INTO ${table} (${list}) SELECT ${list} FROM json_populate_recordset(NULL::${table}, $1::json)`,
            [chunk],
          );
        }
        counts[table] = rows.length;
        // Planner statistics now, not when autovacuum gets to it: a bulk load otherwise plans as empty.
        target.exec(`ANALYZE ${table}`);
      }
      // Ids were copied as they are: new experiments continue after the highest.
      target.exec(
        `SELECT setval(pg_get_serial_sequence('experiments', 'id'), GREATEST((SELECT max(id) FROM experiments), 1))`,
      );
    });
    return counts;
  } catch (err) {
    throw target.translate(err);
  } finally {
    source.close();
    target.close();
  }
}

/** A URI whose connections use `schema` as their search_path (PostgreSQL's `options` parameter). */
export function withSearchPath(url: string, schema: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c search_path=${schema}`);
  return u.toString();
}

/**
 * Creates (or with drop: true drops) a schema in the database `url` names, for tests and benchmarks
 * that need an empty store; returns the URI that uses it.
 */
export function postgresSchema(url: string, schema: string, o: { drop?: boolean } = {}): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
    throw new TrackingError(
      'INVALID_NAME',
      `schema name '${schema}' must be lower-case letters, digits and _`,
    );
  const client = new SyncPgClient(url);
  try {
    client.query(o.drop === true ? `DROP SCHEMA IF EXISTS ${schema} CASCADE` : `CREATE SCHEMA ${schema}`);
  } catch (err) {
    throw translatePgError(err, redactUri(url));
  } finally {
    client.close();
  }
  return withSearchPath(url, schema);
}
