export interface SweepExecutorOptions {
  configDir?: string;
  sweep: string;
  workers?: number;
  metric?: string;
  track?: boolean;
}
