#!/usr/bin/env node
// Runs the TypeScript sources directly (no build step), like the rest of the workspace.
require('@swc-node/register');
require('../src/main.ts');
