import { createRequire } from 'node:module';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * A synchronous PostgreSQL client: `pg` (async only) runs in a worker thread with one connection and
 * the calling thread blocks on Atomics.wait until each query's answer is posted back, then reads it
 * with receiveMessageOnPort. This is synckit's technique; it is hand-written here (about 80 lines)
 * because synckit needs the worker as a file on disk that Node can load, and this lib runs both as
 * TypeScript source (vitest, tsx) and as compiled dist/: the worker below is plain CommonJS passed with
 * `eval: true`, so it loads the same way in both, with `pg` resolved from this package.
 */

export interface PgQueryResult {
  rows: Record<string, unknown>[];
  rowCount: number;
}

/** What the worker reports for a failed query or connection: enough to translate it. */
export interface PgFailure {
  message: string;
  code?: string;
  detail?: string;
}

export class PgSyncError extends Error {
  readonly code: string | undefined;
  readonly detail: string | undefined;
  constructor(f: PgFailure) {
    super(f.message);
    this.name = 'PgSyncError';
    this.code = f.code;
    this.detail = f.detail;
  }
}

// Runs in the worker. int8 (count(*), BIGINT columns) comes back as a JS number: the store keeps
// ms timestamps and ids, all far below 2^53.
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const pg = require(workerData.pgPath);
pg.types.setTypeParser(20, (v) => Number(v));
const { port, flag, connectionString, connectTimeoutMs } = workerData;
const client = new pg.Client({ connectionString, connectionTimeoutMillis: connectTimeoutMs });
let broken;
client.on('error', (err) => { broken = err; });
const ready = client.connect();
function reply(message) {
  port.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}
function failure(err) {
  return { error: { message: String(err && err.message || err), code: err && err.code, detail: err && err.detail } };
}
port.on('message', async (m) => {
  try {
    await ready;
    if (broken) throw broken;
    if (m.op === 'close') { await client.end(); reply({ rows: [], rowCount: 0 }); port.close(); return; }
    const r = m.name ? await client.query({ name: m.name, text: m.sql, values: m.params }) : await client.query(m.sql, m.params);
    reply({ rows: r.rows, rowCount: r.rowCount ?? 0 });
  } catch (err) {
    reply(failure(err));
  }
});
`;

export interface SyncPgOptions {
  /** Per call; a call waiting longer fails rather than hanging the process. Default 60 s. */
  timeoutMs?: number;
  connectTimeoutMs?: number;
}

export class SyncPgClient {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  private readonly flag = new Int32Array(new SharedArrayBuffer(4));
  private readonly timeoutMs: number;
  private closed = false;

  constructor(connectionString: string, o: SyncPgOptions = {}) {
    this.timeoutMs = o.timeoutMs ?? 60_000;
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const pgPath = createRequire(__filename).resolve('pg');
    this.worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        port: port2,
        flag: this.flag,
        pgPath,
        connectionString,
        connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
      },
      transferList: [port2],
    });
    // Neither the worker nor its socket keeps the process alive once the caller is done.
    this.worker.unref();
    this.port.unref();
  }

  /** With a name, the statement is prepared once on the server and reused by that name. */
  query(sql: string, params: unknown[] = [], name?: string): PgQueryResult {
    if (this.closed) throw new PgSyncError({ message: 'the PostgreSQL connection is closed' });
    return this.call({ op: 'query', sql, params: params.map(toPg), name });
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.call({ op: 'close' }, 5_000);
    } catch {
      // The connection may already be gone; terminating the worker is what matters.
    }
    this.port.close();
    void this.worker.terminate();
  }

  private call(message: object, timeoutMs = this.timeoutMs): PgQueryResult {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(message);
    const waited = Atomics.wait(this.flag, 0, 0, timeoutMs);
    const answer = receiveMessageOnPort(this.port)?.message as
      (PgQueryResult & { error?: PgFailure }) | undefined;
    if (answer === undefined) {
      throw new PgSyncError({
        message:
          waited === 'timed-out'
            ? `no answer from PostgreSQL within ${timeoutMs / 1000} s`
            : 'the PostgreSQL worker stopped without answering',
      });
    }
    if (answer.error !== undefined) throw new PgSyncError(answer.error);
    return answer;
  }
}

/** NaN is stored as NULL by the callers; +-Infinity go as PostgreSQL's 'Infinity' text. */
function toPg(value: unknown): unknown {
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined ? null : value;
}
