// @cellar/config/light: the sweep grid, overrides and config-file lookup, without the config schema.
// The Nx plugin loads this on every nx command; the barrel (@cellar/config) also loads zod and the
// schema (about 0.1 s), which only composing a config needs.
export { dataConfigFile, selectDataset } from './config-files';
export { parseOverride } from './override';
export type { Override, OverrideAction } from './override';
export { loadSweep, sweepPointId } from './sweep';
export type { SweepRun, SweepSpec } from './sweep';
