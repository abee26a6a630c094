// The store suites run on each backend: SQLite always, PostgreSQL when CELLAR_TEST_PG_URL names a
// database (.ci/run starts one). In CI a missing URL is an error, never a silent skip.
import * as path from 'node:path';
import { DEFAULT_DB_PATH } from './connection';
import { copySqliteStoreToPostgres, withSearchPath } from './copy-store';
import { redactUri } from './pg-connection';
import { SyncPgClient } from './pg-sync';
import type { StoreOptions } from './types';

export interface StoreLocation {
  /** What to pass to openStore: a root (SQLite file under it) or a PostgreSQL URI plus root. */
  opts: StoreOptions;
  /** How the store names itself in messages. */
  display: string;
}

export interface TestBackend {
  name: 'sqlite' | 'postgres';
  /** A new, empty store location; artifacts go under root either way. */
  fresh(root: string): StoreLocation;
  /** The SQLite store seeded under root, or a fresh PostgreSQL schema holding a copy of it. */
  seeded(root: string): StoreLocation;
  /** Drops what fresh() created (PostgreSQL schemas). */
  cleanup(): void;
}

const sqlite: TestBackend = {
  name: 'sqlite',
  fresh: (root) => ({ opts: { root }, display: 'mlruns/cellar.db' }),
  seeded: (root) => ({ opts: { root }, display: 'mlruns/cellar.db' }),
  cleanup: () => undefined,
};

function postgres(url: string): TestBackend {
  const schemas: string[] = [];
  let admin: SyncPgClient | undefined;
  return {
    name: 'postgres',
    fresh(root) {
      admin ??= new SyncPgClient(url);
      const schema = `cellar_t${process.pid}_${schemas.length}_${Math.random().toString(36).slice(2, 8)}`;
      admin.query(`CREATE SCHEMA ${schema}`);
      schemas.push(schema);
      const uri = withSearchPath(url, schema);
      return { opts: { root, uri }, display: redactUri(uri) };
    },
    seeded(root) {
      const location = this.fresh(root);
      copySqliteStoreToPostgres(path.join(root, DEFAULT_DB_PATH), location.opts.uri!);
      return location;
    },
    cleanup() {
      if (admin === undefined) return;
      for (const schema of schemas.splice(0)) admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      admin.close();
      admin = undefined;
    },
  };
}

export function testBackends(): TestBackend[] {
  const url = process.env.CELLAR_TEST_PG_URL;
  if (url === undefined || url === '') {
    if (process.env.CI === 'true')
      throw new Error('CI=true but CELLAR_TEST_PG_URL is not set: .ci/run starts PostgreSQL and sets it');
    return [sqlite];
  }
  return [sqlite, postgres(url)];
}
