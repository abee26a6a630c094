// Plugin entry: Nx loads this on every command, so it exports createNodes only.
export { createNodes } from './plugin/create-nodes';
export type { CellarPluginOptions } from './plugin/create-nodes';
