// Ordered migrations; index i upgrades user_version i -> i + 1. Never edit a shipped entry, append.
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE experiments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE runs (
    run_id TEXT PRIMARY KEY,
    experiment_id INTEGER NOT NULL REFERENCES experiments(id),
    run_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
    start_time INTEGER NOT NULL,
    end_time INTEGER,
    git_commit TEXT,
    config_hash TEXT,
    data_md5 TEXT,
    error TEXT,
    pid INTEGER,
    host TEXT
  );
  CREATE INDEX runs_experiment_start ON runs(experiment_id, start_time);
  CREATE INDEX runs_start ON runs(start_time);
  CREATE INDEX runs_status ON runs(status);
  CREATE TABLE params (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX params_key_value ON params(key, value);
  CREATE TABLE metrics (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value REAL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL
  );
  CREATE INDEX metrics_run_key ON metrics(run_id, key, step);
  -- Maintained on every metric insert: what search and listings see.
  CREATE TABLE latest_metrics (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value REAL,
    step INTEGER NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX latest_metrics_key_value ON latest_metrics(key, value);
  CREATE TABLE tags (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (run_id, key)
  ) WITHOUT ROWID;
  CREATE INDEX tags_key_value ON tags(key, value);
  CREATE TABLE artifacts (
    run_id TEXT NOT NULL REFERENCES runs(run_id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    PRIMARY KEY (run_id, path)
  ) WITHOUT ROWID;
  `,
  // 2: what the MLflow REST API needs: soft delete (lifecycle_stage), run owners, experiment tags.
  `
  ALTER TABLE experiments ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'
    CHECK (lifecycle_stage IN ('active', 'deleted'));
  ALTER TABLE experiments ADD COLUMN last_update_time INTEGER;
  CREATE TABLE experiment_tags (
    experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (experiment_id, key)
  ) WITHOUT ROWID;
  ALTER TABLE runs ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active'
    CHECK (lifecycle_stage IN ('active', 'deleted'));
  ALTER TABLE runs ADD COLUMN user_id TEXT;
  ALTER TABLE runs ADD COLUMN deleted_time INTEGER;
  CREATE INDEX runs_lifecycle ON runs(lifecycle_stage);
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;
