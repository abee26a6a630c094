// Entry of a sweep worker process, forked by lanes.ts (see sweepWorkerEntry): receives one job at
// a time over IPC, trains and logs it, answers. Nothing imports this file.
import { runLaneJob } from './lane-job';
import type { LaneJob } from './types';

if (process.send) {
  const root = process.argv[2];
  // One job at a time, in the order received (the parent keeps a couple queued here).
  let queue = Promise.resolve();
  process.on('message', (job: LaneJob) => {
    queue = queue.then(() => runLaneJob(root, job).then((result) => void process.send?.(result)));
  });
  process.send({ ready: true });
}
