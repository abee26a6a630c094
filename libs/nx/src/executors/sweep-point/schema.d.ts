export interface SweepPointExecutorOptions {
  sweep: string;
  id: string;
  data?: string;
  model: string;
  overrides?: string[];
  track?: boolean;
  configDir?: string;
}
