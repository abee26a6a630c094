import Database from 'better-sqlite3';
import * as crypto from 'node:crypto';
import { openStore } from '../store/store';

export const SYNTHETIC_ALGORITHMS = ['logistic_regression', 'random_forest', 'gradient_boosting', 'knn'];

/**
 * n deterministic runs over 4 experiments in one transaction (the store API would take one
 * transaction per call): 6 params, 3 metrics (every 10th run lacks f1_macro), 2 tags.
 */
export function seedSyntheticRuns(dbPath: string, n: number): void {
  openStore({ dbPath }).close(); // schema
  const db = new Database(dbPath);
  const base = 1_750_000_000_000;
  db.transaction(() => {
    const experiment = db.prepare('INSERT OR IGNORE INTO experiments (name, created_at) VALUES (?, ?)');
    for (let e = 0; e < 4; e += 1) experiment.run(`exp-${e}`, base);
    const expIds = (db.prepare('SELECT id FROM experiments ORDER BY name').all() as { id: number }[]).map(
      (r) => r.id,
    );
    const run = db.prepare(
      `INSERT INTO runs (run_id, experiment_id, run_name, status, start_time, end_time, git_commit, config_hash, data_md5, error, pid, host)
       VALUES (?, ?, ?, ?, ?, ?, NULL, ?, NULL, NULL, NULL, NULL)`,
    );
    const param = db.prepare('INSERT INTO params (run_id, key, value) VALUES (?, ?, ?)');
    const metric = db.prepare(
      'INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, 0, ?)',
    );
    const latest = db.prepare(
      'INSERT INTO latest_metrics (run_id, key, value, step, timestamp) VALUES (?, ?, ?, 0, ?)',
    );
    const tag = db.prepare('INSERT INTO tags (run_id, key, value) VALUES (?, ?, ?)');
    for (let i = 0; i < n; i += 1) {
      const id = crypto.createHash('md5').update(`run-${i}`).digest('hex');
      const start = base + i * 1000;
      const status = i % 17 === 0 ? 'FAILED' : i % 29 === 0 ? 'KILLED' : 'FINISHED';
      run.run(id, expIds[i % 4], `run-${i}`, status, start, start + 500 + (i % 7) * 100, `cfg-${i % 50}`);
      const params: Record<string, string> = {
        'model.C': String([0.01, 0.1, 1, 10][i % 4]),
        'model.max_iter': String(100 + (i % 3) * 100),
        'model.n_estimators': String(50 * (1 + (i % 5))),
        'train.seed': String(i % 10),
        'train.test_size': '0.2',
        algorithm: SYNTHETIC_ALGORITHMS[i % 4],
      };
      for (const [k, v] of Object.entries(params)) param.run(id, k, v);
      const metrics: Record<string, number> = {
        accuracy: ((i * 7919) % 1000) / 1000,
        log_loss: ((i * 104729) % 997) / 500,
      };
      if (i % 10 !== 0) metrics.f1_macro = ((i * 31) % 1000) / 1000;
      for (const [k, v] of Object.entries(metrics)) {
        metric.run(id, k, v, start);
        latest.run(id, k, v, start);
      }
      tag.run(id, 'algorithm', SYNTHETIC_ALGORITHMS[i % 4]);
      tag.run(id, 'stage', i % 2 === 0 ? 'train' : 'sweep');
    }
  })();
  db.close();
}
