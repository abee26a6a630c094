export interface EvaluateExecutorOptions {
  pipeline: string;
  overrides?: string[];
}
