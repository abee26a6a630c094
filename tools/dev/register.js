// Runs Cellar's TypeScript sources in this repository (the bins, the sweep workers, the Nx plugin
// through libs/nx/dev-plugin.js, the child processes of tests and the benches): swc's
// transformSync per .ts file, cached on disk by content, and @cellar/* resolved to the libs'
// sources by tsconfig.base.json's paths. @swc-node/register does the same but loads the TypeScript
// compiler to read tsconfig and transpiles every file again in every process: `cellar-nx pull`
// took 0.70-0.84 s with it and 0.30-0.36 s with this, on the same loaded 2-core box. Installed
// packages never load this file: their bins run dist/. Nx's task and batch processes reach it
// through libs/nx/executors/*/*.js (see libs/nx/dev-source.js) rather than registering
// @swc-node/register for the .ts executors.
'use strict';
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { addHook } = require('pirates');

const root = path.resolve(__dirname, '../..');
const { paths } = JSON.parse(fs.readFileSync(path.join(root, 'tsconfig.base.json'), 'utf8')).compilerOptions;
const aliases = new Map(Object.entries(paths).map(([name, [file]]) => [name, path.join(root, file)]));

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, aliases.get(request) ?? request, ...rest);
};

const options = {
  sourceMaps: 'inline',
  module: { type: 'commonjs' },
  jsc: { parser: { syntax: 'typescript' }, target: 'es2022', keepClassNames: true },
  swcrc: false,
  configFile: false,
};
const cacheDir = path.join(root, 'node_modules/.cache/cellar-ts');
const salt = `${require('@swc/core/package.json').version}\0${JSON.stringify(options)}\0`;

/** The CommonJS of a .ts file: from the cache when this file's bytes were compiled before. */
function compile(code, filename) {
  const key = crypto.createHash('sha1').update(salt).update(filename).update('\0').update(code).digest('hex');
  const cached = path.join(cacheDir, `${key}.js`);
  try {
    return fs.readFileSync(cached, 'utf8');
  } catch {
    // not compiled yet
  }
  const out = require('@swc/core').transformSync(code, { ...options, filename }).code;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    const tmp = `${cached}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, out);
    fs.renameSync(tmp, cached);
  } catch {
    // a read-only checkout compiles every time
  }
  return out;
}

addHook(compile, { exts: ['.ts'], ignoreNodeModules: true });
// Stack traces through the sources' lines are for debugging: with source maps on, Node decodes
// every module's inline map as it loads (30 ms of a sweep worker's start). On with --verbose (the
// bins' and Nx's), under Nx's --verbose (NX_VERBOSE_LOGGING) or with CELLAR_SOURCE_MAPS=1.
if (
  process.argv.includes('--verbose') ||
  process.env.NX_VERBOSE_LOGGING === 'true' ||
  process.env.CELLAR_SOURCE_MAPS === '1'
)
  process.setSourceMapsEnabled(true);
