// This repository's nx.json lists "@cellar/nx", and tsconfig.base.json's paths send Nx here rather
// than to src/index.ts. Nx loads a .js plugin entry as it is; for a .ts entry it registers its own
// transpiler first (@swc-node/register, which loads the TypeScript compiler, and tsconfig-paths) on
// every nx command. Here the sources run through tools/dev/register.js instead (swc with an on-disk
// cache; see dev-source.js, which the executors' entries share), as the bins do: 0.15 s less per nx
// command (project graph). Not in the package ("files"): installed, "@cellar/nx" is the compiled
// dist/index.js.
module.exports = require('./dev-source.js')('index');
