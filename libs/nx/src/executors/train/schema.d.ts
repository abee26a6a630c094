export interface TrainExecutorOptions {
  configDir?: string;
  pipeline: string;
  overrides?: string[];
  track?: boolean;
}
