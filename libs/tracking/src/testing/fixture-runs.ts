import Database from 'better-sqlite3';
import { openStore } from '../store/store';

export const FIXTURE_BASE_TIME = 1_700_000_000_000; // 2023-11-14T22:13:20Z

/**
 * Six runs over two experiments with known values; run i starts at BASE + i minutes and
 * (unless RUNNING) lasts i + 1 seconds. Returns run ids by name.
 */
export function seedFixtureRuns(root: string): Record<string, string> {
  const store = openStore({ root });
  const ids: Record<string, string> = {};
  const add = (
    experiment: string,
    name: string,
    status: 'RUNNING' | 'FINISHED' | 'FAILED' | 'KILLED',
    params: Record<string, string>,
    tags: Record<string, string>,
    metrics: Record<string, number>,
  ): string => {
    const run = store.createRun({
      experiment,
      runName: name,
      tags,
      gitCommit: 'a'.repeat(40),
      configHash: `cfg-${name}`,
      dataMd5: 'd41d8cd98f00b204e9800998ecf8427e',
    });
    store.logParams(run.runId, params);
    store.logMetrics(run.runId, metrics);
    if (status !== 'RUNNING')
      store.endRun(run.runId, status, status === 'FAILED' ? 'model.C must be <= 5 (got 10)' : undefined);
    ids[name] = run.runId;
    return run.runId;
  };
  add(
    'wine',
    'lr-base',
    'FINISHED',
    { 'model.C': '1.0', 'train.seed': '42' },
    { algorithm: 'logistic_regression' },
    { accuracy: 0.61, 'f1 macro': 0.4, log_loss: 1.0 },
  );
  add(
    'wine',
    'rf-small',
    'FINISHED',
    { 'model.C': '0.1', 'train.seed': '42' },
    { algorithm: 'random_forest' },
    { accuracy: 0.68, 'f1 macro': 0.52 },
  );
  add(
    'wine',
    'rf-broken',
    'FAILED',
    { 'model.C': '10', 'train.seed': '42' },
    { algorithm: 'random_forest' },
    {},
  );
  add(
    'beer',
    'rf-beer',
    'FINISHED',
    { n_estimators: '100' },
    { algorithm: 'Random_Forest' },
    { accuracy: 0.55, log_loss: 0.7 },
  );
  const killed = add('beer', 'killed-run', 'KILLED', {}, { note: "it's ok" }, { accuracy: 0.2 });
  store.logMetrics(killed, { accuracy: 0.72 }, 2);
  add(
    'wine',
    'rf_50%',
    'RUNNING',
    { 'model.C': '1.0', 'train.seed': '7' },
    { algorithm: 'logistic_regression' },
    { accuracy: 0.6 },
  );
  const dbPath = store.dbPath;
  store.close();

  // Fixed times so time filters, ordering and durations have exact expectations.
  const db = new Database(dbPath);
  const update = db.prepare(
    'UPDATE runs SET start_time = ?, end_time = CASE WHEN end_time IS NULL THEN NULL ELSE ? END WHERE run_name = ?',
  );
  ['lr-base', 'rf-small', 'rf-broken', 'rf-beer', 'killed-run', 'rf_50%'].forEach((name, i) => {
    const start = FIXTURE_BASE_TIME + i * 60_000;
    update.run(start, start + (i + 1) * 1000, name);
  });
  db.close();
  return ids;
}
