// Worker threads do not inherit the TypeScript loader of the thread that starts them.
'use strict';
require('@swc-node/register');
require('./worker.ts');
