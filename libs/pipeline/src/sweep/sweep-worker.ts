// Entry of a sweep worker process, forked by lanes.ts (see sweepWorkerEntry): receives one job at
// a time over IPC, trains and logs it, answers. Nothing imports this file.
import { closeLaneStore, runLaneJob } from './lane-job';
import type { LaneJob } from './types';

if (process.send) {
  const root = process.argv[2];
  // Ctrl-C reaches this process with the terminal's process group, and the parent sends SIGTERM
  // when it stops the lanes. Both are handled for the life of the process, not only during a
  // tracked run: a signal that came while a job was writing its files was dispatched after the
  // run had removed its handlers, and was lost; the job queued next then ran to its end (seconds).
  // Now the current fit stops at its next step (its run ends KILLED), nothing queued starts, and
  // the process leaves once the answers are sent.
  const stop = new AbortController();
  // One job at a time, in the order received (the parent keeps a couple queued here).
  let queue = Promise.resolve();
  const onSignal = () => {
    if (stop.signal.aborted) return;
    stop.abort();
    process.exitCode = 130;
    // The parent may have let go already (it disconnects once it has nothing left to send).
    void queue.then(() => process.connected && process.disconnect?.());
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('message', (job: LaneJob) => {
    queue = queue.then(async () => {
      if (stop.signal.aborted) return;
      const result = await runLaneJob(root, job, stop.signal);
      // Resolved once the answer is handed to the OS, so that disconnecting after it loses nothing.
      await new Promise<void>((resolve) => process.send?.(result, undefined, undefined, () => resolve()));
    });
  });
  // The parent lets go once every answer is in: the jobs are done, and so is the lane's store.
  process.on('disconnect', () => void queue.then(closeLaneStore));
  process.send({ ready: true });
}
