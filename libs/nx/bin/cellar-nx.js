#!/usr/bin/env node
// Installed from npm: the compiled dist/. In Cellar's own repository (src/ is there): the TypeScript
// sources through swc (tools/dev/register.js), with @cellar/* mapped to their sources.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const source = join(__dirname, '../src/commands/cellar-nx.ts');
let entry = join(__dirname, '../dist/commands/cellar-nx.js');
if (existsSync(source)) {
  require(join(__dirname, '../../../tools/dev/register.js'));
  entry = source;
}
require(entry)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
