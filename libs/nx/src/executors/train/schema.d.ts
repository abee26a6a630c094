export interface TrainExecutorOptions {
  pipeline: string;
  overrides?: string[];
  track?: boolean;
}
