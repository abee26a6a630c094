// Child process for multi-process tests: node -r tools/dev/register.js tracking-child.ts <mode> <root> [args]
import { openStore } from '../store/store';
import { trainingRun } from '../run/training-run';

const [mode, root, arg] = process.argv.slice(2);

async function main(): Promise<void> {
  if (mode === 'log-runs') {
    // Many short runs, each in the same shape a pipeline logs.
    const count = Number(arg);
    const store = openStore({ root });
    for (let i = 0; i < count; i += 1) {
      const run = store.createRun({
        experiment: 'concurrency',
        runName: `p${process.pid}-${i}`,
        tags: { worker: String(process.pid) },
      });
      store.logParams(run.runId, { 'model.C': String(i % 5), 'train.seed': i, worker: process.pid });
      store.logMetrics(run.runId, { accuracy: i / count, f1_macro: 1 - i / count, log_loss: i });
      store.setTags(run.runId, { index: String(i) });
      store.endRun(run.runId, 'FINISHED');
    }
    store.close();
  } else if (mode === 'hang-run') {
    const store = openStore({ root });
    const run = store.createRun({ experiment: 'liveness', runName: 'hangs' });
    store.logParams(run.runId, { 'model.C': '1.0' });
    process.stdout.write(`${run.runId}\n`);
    setInterval(() => undefined, 1000);
  } else if (mode === 'training-hang') {
    await trainingRun(
      { storeOptions: { root }, experiment: 'signals', runName: 'sigterm', gitCommit: null },
      async (run) => {
        run.logParams({ 'model.C': '0.5' });
        run.logMetrics({ accuracy: 0.25 }, 1);
        process.stdout.write(`${run.runId}\n`);
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        return {};
      },
    );
    process.stdout.write('finished\n');
  } else {
    throw new Error(`unknown mode '${mode}'`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
