// Plugin entry: Nx loads this on every command, so it exports createNodes and its option types only.
export { createNodes } from './plugin/create-nodes';
export type { CellarPluginOptions, CellarTargetNames } from './plugin/options';
