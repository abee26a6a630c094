export interface NotifyExecutorOptions {
  configDir?: string;
  pipeline: string;
  webhookUrl?: string;
}
