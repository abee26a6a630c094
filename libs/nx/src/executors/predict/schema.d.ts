export interface PredictExecutorOptions {
  configDir?: string;
  pipeline: string;
  input?: string;
  output: string;
}
