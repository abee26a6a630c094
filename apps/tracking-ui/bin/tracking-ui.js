#!/usr/bin/env node
// The sources are TypeScript run without a build step, as Nx runs the plugin (see nx-facts).
require('@swc-node/register');
require('../src/main.ts')
  .serveUi(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
