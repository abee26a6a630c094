// What a shared remote cache buys a team: clone A computes the pipelines and uploads them;
// clone B (empty local cache, read-only token) gets them from the Cellar cache server.
import { join } from 'node:path';
import { startCacheServer } from '@cellar/cache-server';
import { createTempWorkspace } from '../../../e2e/workspace';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const reps = Number(process.env.BENCH_REPS ?? 3);
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < reps; i++) {
    const store = createTempWorkspace('cellar-bench-store-');
    const server = await startCacheServer({
      port: 0,
      storage: { kind: 'dir', path: join(store.root, 'cache') },
      tokens: [
        { name: 'main', token: 'w'.repeat(32), access: 'read-write' },
        { name: 'pr', token: 'r'.repeat(32), access: 'read' },
      ],
      log: false,
    });
    const cloneA = createTempWorkspace('cellar-bench-a-');
    const cloneB = createTempWorkspace('cellar-bench-b-');
    try {
      for (const [clone, token, out] of [
        [cloneA, 'w'.repeat(32), a],
        [cloneB, 'r'.repeat(32), b],
      ] as const) {
        const t0 = performance.now();
        const r = await clone.nxAsync(['run-many', '-t', 'notify'], {
          NX_SELF_HOSTED_REMOTE_CACHE_SERVER: server.url,
          NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN: token,
        });
        if (r.code !== 0) throw new Error(r.output);
        out.push((performance.now() - t0) / 1000);
      }
    } finally {
      await server.close();
      for (const ws of [cloneA, cloneB, store]) ws.dispose();
    }
  }
  console.log(`\nShared remote cache, \`nx run-many -t notify\` over 3 pipelines, median of ${reps}\n`);
  console.log('| clone | what it does | wall time | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(
    `| A (write token) | pulls data, trains + evaluates 3 models, uploads 6 entries | ${median(a).toFixed(2)} s | 1.00× |`,
  );
  console.log(
    `| B (read-only token, empty local cache) | pulls data, restores 6 entries from the server, fits nothing | ${median(b).toFixed(2)} s | ${(median(b) / median(a)).toFixed(2)}× |`,
  );
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
