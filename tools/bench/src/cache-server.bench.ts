// Nx remote cache server under load: 50 concurrent PUTs of distinct 1 MiB entries (gzipped tars
// shaped like Nx's) to a freshly started server, 50 more (its code warm by then), then 200
// concurrent GETs of the first 50, against the server running in its own process (so RSS is its
// own). Measured in the same invocation:
// - cellar-cache-server as shipped: uploads validated (whole up to 2 MiB, else while streaming),
//   sha256 checked on GET;
// - the same server with --bench-unverified: no validation or checksums, as before issue 8;
// - a naive node:http server that streams bodies straight to/from files with no auth,
//   validation, limits, atomic publish or logging.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeTarGz } from '../../cache-server/src/testing/archives';

const REPS = Math.max(1, Number(process.env.BENCH_REPS ?? 5));
const PUTS = 50;
const GETS = 200;
const ENTRY_BYTES = 1024 * 1024;
const TOKEN = 'bench-write-token-0123456789';
const BIN = path.resolve(__dirname, '../../cache-server/bin/cellar-cache-server.js');

const NAIVE_SERVER = `
const http = require('http'), fs = require('fs'), path = require('path');
const dir = process.argv[1];
http.createServer((req, res) => {
  const file = path.join(dir, req.url.split('/').pop());
  if (req.method === 'PUT') {
    req.pipe(fs.createWriteStream(file)).on('finish', () => res.end('ok'));
  } else {
    fs.stat(file, (err, st) => {
      if (err) { res.statusCode = 404; return res.end(); }
      res.writeHead(200, { 'Content-Length': st.size });
      fs.createReadStream(file).pipe(res);
    });
  }
}).listen(0, '127.0.0.1', function () { console.log(JSON.stringify({ event: 'listening', url: 'http://127.0.0.1:' + this.address().port })); });
`;

interface Phase {
  /** Server process CPU time (user + system, all threads) per request. */
  cpuMsPerReq: number;
  reqPerSec: number;
  mibPerSec: number;
  p50: number;
  p99: number;
  errors: number;
}

interface Rep {
  put: Phase;
  /** A second 50 uploads to the same server, its code warm (as a long-running server's is). */
  putWarm: Phase;
  get: Phase;
  rssMiB: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

function startProcess(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let buffered = '';
    let found = false;
    child.stdout?.on('data', (d: Buffer) => {
      if (found) return; // keep draining the request log so the pipe never blocks
      buffered += d.toString();
      const match = /"event":"listening","url":"([^"]+)"/.exec(buffered);
      if (match) {
        found = true;
        resolve({ child, url: match[1] });
      }
    });
    child.once('exit', (code) => {
      if (!found) reject(new Error(`server exited with ${code} before listening`));
    });
  });
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('close', () => resolve());
    child.kill('SIGTERM');
  });
}

function peakRssMiB(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : NaN;
}

/** CPU time of a process so far (user + system, all threads), in ms. */
function cpuMs(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in 1/100 s ticks
}

function send(
  agent: http.Agent,
  url: string,
  method: string,
  body?: Buffer,
): Promise<{ status: number; bytes: number; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    const headers: http.OutgoingHttpHeaders = { authorization: `Bearer ${TOKEN}` };
    if (body) headers['content-length'] = body.length;
    const req = http.request(url, { method, agent, headers }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ms: performance.now() - t0 }));
      res.on('error', () => resolve({ status: 0, bytes, ms: performance.now() - t0 }));
    });
    req.on('error', () => resolve({ status: 0, bytes: 0, ms: performance.now() - t0 }));
    req.end(body);
  });
}

async function phase(
  pid: number,
  requests: (() => Promise<{ status: number; bytes: number; ms: number }>)[],
  movedBytes: (r: { bytes: number }) => number,
): Promise<Phase> {
  const cpu0 = cpuMs(pid);
  const t0 = performance.now();
  const results = await Promise.all(requests.map((r) => r()));
  const seconds = (performance.now() - t0) / 1000;
  const cpuMsPerReq = (cpuMs(pid) - cpu0) / results.length;
  const latencies = results.map((r) => r.ms);
  return {
    cpuMsPerReq,
    reqPerSec: results.length / seconds,
    mibPerSec: results.reduce((sum, r) => sum + movedBytes(r), 0) / ENTRY_BYTES / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    errors: results.filter((r) => r.status !== 200).length,
  };
}

const KINDS = ['validated', 'unvalidated', 'naive'] as const;
type Kind = (typeof KINDS)[number];

async function runRep(kind: Kind, entries: Buffer[], rep: number): Promise<Rep> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `cellar-bench-cache-${kind}-`));
  const cellarArgs = [BIN, '--port', '0', '--storage', `dir:${dir}`, '--max-body', '8MiB'];
  const { child, url } =
    kind === 'naive'
      ? await startProcess(['-e', NAIVE_SERVER, dir], process.env)
      : await startProcess(kind === 'unvalidated' ? [...cellarArgs, '--bench-unverified'] : cellarArgs, {
          ...process.env,
          CELLAR_CACHE_WRITE_TOKENS: `bench:${TOKEN}`,
        });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
  try {
    const hashes = entries.map((_, i) => `${rep}${String(i).padStart(4, '0')}${Date.now()}`);
    const pid = child.pid as number;
    const put = await phase(
      pid,
      entries.map((body, i) => () => send(agent, `${url}/v1/cache/${hashes[i]}`, 'PUT', body)),
      () => ENTRY_BYTES,
    );
    if (put.errors > 0) throw new Error(`${kind}: ${put.errors} PUT(s) not answered 200`);
    const putWarm = await phase(
      pid,
      entries.map((body, i) => () => send(agent, `${url}/v1/cache/w${hashes[i]}`, 'PUT', body)),
      () => ENTRY_BYTES,
    );
    if (putWarm.errors > 0) throw new Error(`${kind}: ${putWarm.errors} warm PUT(s) not answered 200`);
    const get = await phase(
      pid,
      Array.from(
        { length: GETS },
        (_, i) => () => send(agent, `${url}/v1/cache/${hashes[i % hashes.length]}`, 'GET'),
      ),
      (r) => r.bytes,
    );
    return { put, putWarm, get, rssMiB: peakRssMiB(child.pid as number) };
  } finally {
    agent.destroy();
    await stopProcess(child);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  // What Nx uploads: the outputs (random, so gzip cannot shrink them) plus terminalOutput and code.
  const entries = await Promise.all(
    Array.from({ length: PUTS }, () =>
      makeTarGz([
        { name: 'proj/out', type: 'directory' },
        { name: 'proj/out/model.bin', body: randomBytes(ENTRY_BYTES - 4096) },
        { name: 'terminalOutput', body: 'trained\n' },
        { name: 'code', body: '0' },
      ]),
    ),
  );
  const reps: Record<Kind, Rep[]> = { validated: [], unvalidated: [], naive: [] };
  for (let rep = 0; rep < REPS; rep++) {
    // Rotate the order so drift in machine load hits every server alike.
    for (let k = 0; k < KINDS.length; k++) {
      const kind = KINDS[(k + rep) % KINDS.length];
      reps[kind].push(await runRep(kind, entries, rep));
    }
    process.stderr.write(`rep ${rep + 1}/${REPS} done\n`);
  }
  const summary = (kind: Kind) => {
    const r = reps[kind];
    const m = (f: (x: Rep) => number) => median(r.map(f));
    return {
      putRps: m((x) => x.put.reqPerSec),
      putMiBs: m((x) => x.put.mibPerSec),
      putP50: m((x) => x.put.p50),
      putP99: m((x) => x.put.p99),
      putCpu: m((x) => x.put.cpuMsPerReq),
      putWarmRps: m((x) => x.putWarm.reqPerSec),
      putWarmCpu: m((x) => x.putWarm.cpuMsPerReq),
      getCpu: m((x) => x.get.cpuMsPerReq),
      getRps: m((x) => x.get.reqPerSec),
      getMiBs: m((x) => x.get.mibPerSec),
      getP50: m((x) => x.get.p50),
      getP99: m((x) => x.get.p99),
      rss: m((x) => x.rssMiB),
      errors: r.reduce((sum, x) => sum + x.put.errors + x.putWarm.errors + x.get.errors, 0),
    };
  };
  const validated = summary('validated');
  const unvalidated = summary('unvalidated');
  const naive = summary('naive');
  const rows: [string, (s: typeof validated) => number, (x: number) => string][] = [
    ['PUT throughput (req/s)', (s) => s.putRps, (x) => x.toFixed(0)],
    ['PUT throughput (MiB/s)', (s) => s.putMiBs, (x) => x.toFixed(0)],
    ['PUT latency p50 (ms)', (s) => s.putP50, (x) => x.toFixed(1)],
    ['PUT latency p99 (ms)', (s) => s.putP99, (x) => x.toFixed(1)],
    ['PUT server CPU per request (ms)', (s) => s.putCpu, (x) => x.toFixed(1)],
    ['PUT throughput, next 50 to the warm server (req/s)', (s) => s.putWarmRps, (x) => x.toFixed(0)],
    ['PUT server CPU per request, warm (ms)', (s) => s.putWarmCpu, (x) => x.toFixed(1)],
    ['GET throughput (req/s)', (s) => s.getRps, (x) => x.toFixed(0)],
    ['GET throughput (MiB/s)', (s) => s.getMiBs, (x) => x.toFixed(0)],
    ['GET latency p50 (ms)', (s) => s.getP50, (x) => x.toFixed(1)],
    ['GET latency p99 (ms)', (s) => s.getP99, (x) => x.toFixed(1)],
    ['GET server CPU per request (ms)', (s) => s.getCpu, (x) => x.toFixed(1)],
    ['server peak RSS (MiB, VmHWM)', (s) => s.rss, (x) => x.toFixed(0)],
    ['errors (all reps)', (s) => s.errors, (x) => x.toFixed(0)],
  ];
  console.log(
    `${PUTS} concurrent PUTs of distinct 1 MiB entries to a fresh server, ${PUTS} more, then ${GETS} concurrent GETs; medians over ${REPS} reps; directory storage in ${os.tmpdir()}; ${os.cpus().length} CPUs.\n`,
  );
  const ratio = (label: string, a: number, b: number) =>
    label.startsWith('errors') ? '' : b === 0 ? 'n/a' : `${(a / b).toFixed(2)}x`;
  console.log(
    '| metric | cellar (validated) | cellar --bench-unverified (before issue 8) | validated / unvalidated | naive fs server | validated / naive |',
  );
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const [label, pick, fmt] of rows) {
    const [a, b, c] = [pick(validated), pick(unvalidated), pick(naive)];
    console.log(
      `| ${label} | ${fmt(a)} | ${fmt(b)} | ${ratio(label, a, b)} | ${fmt(c)} | ${ratio(label, a, c)} |`,
    );
  }
  for (const [name, s] of [
    ['cellar-cache-server', validated],
    ['cellar-cache-server --bench-unverified', unvalidated],
  ] as const) {
    if (s.errors > 0) {
      console.error(`${name} answered ${s.errors} request(s) with a non-200 status`);
      process.exitCode = 1;
    }
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
