// Worker threads do not inherit the TypeScript loader of the thread that starts them. Installed
// (dist/): the compiled worker.js beside this file. In this repository (src/): worker.ts through swc.
'use strict';
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, 'worker.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('@swc-node/register');
  require('./worker.ts');
}
