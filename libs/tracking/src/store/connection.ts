import Database from 'better-sqlite3';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { displayPathOf } from '@cellar/data';
import { TrackingError } from '../errors';
import { BUSY_TIMEOUT_MS, sqliteCode, translateError, translateFsError } from './sqlite-errors';
import type { StoreOptions } from './types';

export const DEFAULT_DB_PATH = 'mlruns/cellar.db';

/** Which SQL the connection speaks; the store's SQL is written for SQLite and translated (pg-dialect). */
export type Dialect = 'sqlite' | 'postgres';

/** What a write statement reports. */
export interface RunResult {
  changes: number;
}

/** A statement over either backend: positional `?` parameters, rows as plain objects. */
export interface SqlStatement {
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): RunResult;
}

/**
 * The open database and its paths, shared by the store's parts (experiments, runs, search,
 * artifacts, gc, migrations). Internal to the store folder: the API is TrackingStore.
 */
export interface StoreConnection {
  readonly dialect: Dialect;
  /** File path (SQLite) or the postgresql:// URI as given. */
  readonly dbPath: string;
  readonly artifactRoot: string;
  readonly root: string;
  /** dbPath as users see it in messages (a URI without its password). */
  readonly display: string;
  readonly readonly: boolean;
  translate(err: unknown): Error;
  /** Runs fn on the open store; every error leaves as a one-line TrackingError. */
  guard<T>(fn: () => T): T;
  /** Prepared once per connection: for SQL whose text does not vary with the request. */
  stmt(sql: string): SqlStatement;
  /** Not cached: for SQL built per request (search, gc). */
  prepare(sql: string): SqlStatement;
  /** One write transaction; many processes may log at once. */
  write<T>(fn: () => T): T;
  close(): void;
}

/** postgresql://user:pass@host:port/db (or postgres://) selects the PostgreSQL store. */
export function isPostgresUri(value: string | undefined): value is string {
  return value !== undefined && /^postgres(ql)?:\/\//i.test(value);
}

export class SqliteConnection implements StoreConnection {
  readonly dialect = 'sqlite' as const;
  readonly dbPath: string;
  readonly artifactRoot: string;
  readonly root: string;
  /** dbPath as users see it in messages. */
  readonly display: string;
  readonly readonly: boolean;
  readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private closed = false;
  private snapshotDir: string | undefined;

  constructor(opts: StoreOptions) {
    this.root = path.resolve(opts.root ?? process.cwd());
    this.dbPath = path.resolve(this.root, opts.dbPath ?? process.env.CELLAR_TRACKING_DB ?? DEFAULT_DB_PATH);
    this.artifactRoot = path.resolve(
      this.root,
      opts.artifactRoot ??
        process.env.CELLAR_ARTIFACT_ROOT ??
        path.join(path.dirname(this.dbPath), 'artifacts'),
    );
    this.display = displayPathOf(this.root, this.dbPath);
    this.readonly = opts.readonly === true;
    this.db = this.openDatabase();
  }

  private openDatabase(): Database.Database {
    const dir = path.dirname(this.dbPath);
    if (this.readonly) {
      if (!fs.existsSync(this.dbPath)) {
        throw new TrackingError(
          'NO_DATABASE',
          `${this.display} does not exist; no runs have been tracked yet`,
          { file: this.dbPath },
        );
      }
    } else {
      try {
        fs.mkdirSync(dir, { recursive: true });
      } catch (err) {
        throw translateFsError(err, displayPathOf(this.root, dir));
      }
      const readOnlyPath = this.firstReadOnly([this.dbPath, dir]);
      if (readOnlyPath !== undefined) {
        throw new TrackingError(
          'READ_ONLY',
          `${displayPathOf(this.root, readOnlyPath)} is read-only; make it writable or open the store with readonly: true`,
          {
            file: readOnlyPath,
          },
        );
      }
    }
    try {
      const db = this.readonly ? this.openReader() : new Database(this.dbPath, { timeout: BUSY_TIMEOUT_MS });
      db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
      db.pragma('foreign_keys = ON');
      // In WAL mode NORMAL never corrupts; it may only lose the last commits on power loss.
      if (!this.readonly) db.pragma('synchronous = NORMAL');
      return db;
    } catch (err) {
      throw this.translate(err);
    }
  }

  private openReader(): Database.Database {
    const db = new Database(this.dbPath, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    try {
      db.pragma('user_version', { simple: true });
      return db;
    } catch (err) {
      db.close();
      const dir = path.dirname(this.dbPath);
      if (!String(sqliteCode(err)).startsWith('SQLITE_CANTOPEN') || this.firstReadOnly([dir]) === undefined)
        throw err;
    }
    // SQLite cannot read a WAL database on read-only media (it needs the -shm file); read a snapshot copy.
    this.snapshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ro-'));
    const copy = path.join(this.snapshotDir, path.basename(this.dbPath));
    fs.copyFileSync(this.dbPath, copy);
    if (fs.existsSync(`${this.dbPath}-wal`)) fs.copyFileSync(`${this.dbPath}-wal`, `${copy}-wal`);
    return new Database(copy, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  }

  /** Catches read-only files and mounts before SQLite gives a vaguer error on the first write. */
  private firstReadOnly(paths: string[]): string | undefined {
    for (const p of paths) {
      try {
        fs.accessSync(p, fs.constants.W_OK);
      } catch (err) {
        const code = sqliteCode(err);
        if (code === 'EROFS' || code === 'EACCES' || code === 'EPERM') return p;
      }
    }
    return undefined;
  }

  translate(err: unknown): Error {
    return translateError(err, this.display, this.dbPath);
  }

  /** Runs fn on the open store; every error leaves as a one-line TrackingError. */
  guard<T>(fn: () => T): T {
    if (this.closed)
      throw new TrackingError('DATABASE_ERROR', `store for ${this.display} is closed`, { file: this.dbPath });
    try {
      return fn();
    } catch (err) {
      throw this.translate(err);
    }
  }

  prepare(sql: string): Database.Statement {
    return this.db.prepare(sql);
  }

  /** Prepared once per connection. */
  stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }

  /** A short IMMEDIATE write transaction: many processes may log at once. */
  write<T>(fn: () => T): T {
    if (this.readonly) {
      throw new TrackingError(
        'READ_ONLY',
        `${this.display} was opened read-only; open the store without readonly to log`,
        { file: this.dbPath },
      );
    }
    return this.db.transaction(fn).immediate();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.statements.clear();
    this.db.close();
    if (this.snapshotDir !== undefined) fs.rmSync(this.snapshotDir, { recursive: true, force: true });
  }
}
