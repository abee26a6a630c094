#!/usr/bin/env node
// Part of every package's `build`: tsc compiles src/**/*.ts to dist/; this copies what tsc does not
// (schema.json of executors and generators, the UI's static files) to the same place under dist/,
// and the repository's LICENSE into the package, so `npm pack` ships a complete package.
import { copyFileSync, cpSync, existsSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = process.cwd();
const src = join(pkg, 'src');
const dist = join(pkg, 'dist');
const repoLicense = resolve(dirname(fileURLToPath(import.meta.url)), '../../LICENSE');

if (!existsSync(dist)) {
  console.error(`copy-assets: ${relative(process.cwd(), dist) || dist} does not exist; run tsc first`);
  process.exit(1);
}
const isAsset = (file) =>
  !file.endsWith('.ts') && !/(^|\/)(testing|e2e|__fixtures__)(\/|$)/.test(relative(src, file));
cpSync(src, dist, {
  recursive: true,
  filter: (from) => statSync(from).isDirectory() || isAsset(from),
});
copyFileSync(repoLicense, join(pkg, 'LICENSE'));
