#!/usr/bin/env node
// Builds every publishable package at once: one `tsc -b` over the root tsconfig.json's references
// (faster than one tsc per package), then each package's copy-assets step.
//   node tools/scripts/build-packages.mjs [--pack <dir>]   also `npm pack` each package into <dir>
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const run = (cmd, args, cwd = repo) =>
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

export function publishablePackages() {
  const { workspaces } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
  return workspaces.flatMap((glob) => {
    const parent = glob.replace(/\/\*$/, '');
    return readdirSync(join(repo, parent))
      .map((d) => join(repo, parent, d))
      .filter((d) => existsSync(join(d, 'package.json')))
      .map((dir) => ({ dir, manifest: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) }))
      .filter((p) => !p.manifest.private);
  });
}

export function buildPackages() {
  run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.json']);
  for (const { dir } of publishablePackages()) {
    run(process.execPath, [join(repo, 'tools/scripts/copy-assets.mjs')], dir);
  }
}

/** npm pack of every publishable package (already built) into `dest`; returns the tarball paths. */
export function packPackages(dest) {
  const out = run('npm', [
    'pack',
    '--ignore-scripts',
    '--json',
    '--pack-destination',
    dest,
    ...publishablePackages().flatMap(({ dir }) => ['-w', dir]),
  ]);
  return JSON.parse(out).map((p) => join(dest, p.filename));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  buildPackages();
  const at = process.argv.indexOf('--pack');
  if (at > 0) for (const file of packPackages(resolve(process.argv[at + 1]))) console.log(file);
}
