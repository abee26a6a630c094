export interface EvaluateExecutorOptions {
  configDir?: string;
  pipeline: string;
  overrides?: string[];
}
