// Child process for dead-run tests: node -r tools/dev/register.js hold-run-child.ts <root>
// Opens a run, prints its id and waits to be killed.
import { openStore } from '@cellar/tracking';

const store = openStore({ root: process.argv[2] });
const run = store.createRun({ experiment: 'liveness', runName: 'hangs' });
process.stdout.write(`${run.runId}\n`);
setInterval(() => undefined, 1000);
