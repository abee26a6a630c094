// This repository's executors, for Nx: libs/nx/executors/<name>/*.js are what Nx finds first when
// it looks for an executor's sources (it tries <project>/executors/… before <project>/src/…, see
// nx/src/config/schema-utils.js, tryResolveFromSource). Nx loads a .js executor as it is; for a .ts
// one it registers its own transpiler first (@swc-node/register, with the TypeScript compiler) in
// every task and batch process. These entries, and dev-plugin.js for the plugin itself, load the
// sources through tools/dev/register.js instead. Not in the package ("files"): installed, Nx runs
// the compiled dist/executors/….
require('../../tools/dev/register.js');

/** The module of libs/nx/src/<rel>.ts. */
module.exports = (rel) => require(`./src/${rel}.ts`);
