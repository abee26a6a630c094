export interface SweepPointExecutorOptions {
  sweep: string;
  id: string;
  model: string;
  overrides?: string[];
  track?: boolean;
  configDir?: string;
}
