// One "clone" logging to a shared server: node -r tools/dev/register.js mlflow-writer-child.ts
//   <endpoint> <experiment_id> <clone> <writers> <runs per writer>   (token in CELLAR_TRACKING_TOKEN)
// Its writers run concurrently through the `mlflow` npm client; prints the run ids it logged, as JSON.
import MLflow from 'mlflow';

type Call = (args: Record<string, unknown>) => Promise<unknown>;
const [endpoint, experimentId, clone, writers, perWriter] = process.argv.slice(2);
console.log = () => undefined; // the client prints every request body
const client = new MLflow({
  endpoint,
  headers: { Authorization: `Bearer ${process.env.CELLAR_TRACKING_TOKEN ?? ''}` },
}) as unknown as { Runs: Record<string, Call> };

async function writer(w: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < Number(perWriter); i += 1) {
    const created = (await client.Runs.create({
      experiment_id: experimentId,
      start_time: Date.now(),
      tags: [{ key: 'mlflow.runName', value: `${clone}-w${w}-r${i}` }],
    })) as { run: { info: { run_id: string } } };
    const runId = created.run.info.run_id;
    await client.Runs.logBatch({
      run_id: runId,
      params: [
        { key: 'clone', value: clone },
        { key: 'writer', value: String(w) },
        { key: 'index', value: String(i) },
      ],
      metrics: Array.from({ length: 10 }, (_, step) => ({
        key: 'loss',
        value: 1 / (step + 1) + w / 1000,
        timestamp: Date.now(),
        step,
      })),
      tags: [{ key: 'clone', value: clone }],
    });
    await client.Runs.update({ run_id: runId, status: 'FINISHED', end_time: Date.now() });
    ids.push(runId);
  }
  return ids;
}

void Promise.all(Array.from({ length: Number(writers) }, (_, w) => writer(w))).then(
  (all) => process.stdout.write(`${JSON.stringify(all.flat())}\n`),
  (err: unknown) => {
    process.stderr.write(`${String(err)}\n`);
    process.exitCode = 1;
  },
);
