// @cellar/pipeline/lanes: the sweep lanes alone, for a process that forks its workers before it
// loads the training code (the barrel, @cellar/pipeline, loads all of it at once: about 0.4 s).
export { forkLaneWorkers, runInLanes } from './sweep/lanes';
export type { LanesOptions } from './sweep/lanes';
