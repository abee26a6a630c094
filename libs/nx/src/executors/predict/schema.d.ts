export interface PredictExecutorOptions {
  pipeline: string;
  input?: string;
  output: string;
}
