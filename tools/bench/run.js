#!/usr/bin/env node
// Runs every tools/bench/src/*.bench.ts one after another (optionally only those whose file
// name contains one of the argv substrings), each in its own node process from the repo root.
// scale.bench.ts is the long one (a 1M-row CSV, logreg on 1M rows, a 100-tree forest on 100k,
// each next to pandas / scikit-learn): `npm run bench -- scale` runs it alone, and
// BENCH_SKIP=scale (comma-separated substrings) leaves it out of a full run.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '../..');
const srcDir = path.join(__dirname, 'src');
const filters = process.argv.slice(2);
const benches = fs
  .readdirSync(srcDir)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((s) => f.includes(s)))
  .filter((f) => !(process.env.BENCH_SKIP ?? '').split(',').some((s) => s !== '' && f.includes(s)))
  .sort();

if (benches.length === 0) {
  console.error(
    `no benchmark in ${path.relative(root, srcDir)} matches ${filters.map((f) => `'${f}'`).join(', ') || '*.bench.ts'}`,
  );
  process.exit(1);
}

const failed = [];
for (const file of benches) {
  const rel = path.relative(root, path.join(srcDir, file));
  console.log(`\n## ${file.replace(/\.bench\.ts$/, '')} (${rel})\n`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['-r', path.join(root, 'tools/dev/register.js'), rel], {
    cwd: root,
    stdio: 'inherit',
  });
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    const why = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit code ${r.status}`;
    console.error(`\n${rel} failed (${why}) after ${secs} s`);
    failed.push(rel);
  } else {
    console.log(`\n_${rel}: ${secs} s_`);
  }
}

if (failed.length > 0) {
  console.error(`\n${failed.length} of ${benches.length} benchmark(s) failed: ${failed.join(', ')}`);
  process.exit(1);
}
