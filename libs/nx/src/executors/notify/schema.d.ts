export interface NotifyExecutorOptions {
  pipeline: string;
  webhookUrl?: string;
}
