export interface SweepExecutorOptions {
  configDir?: string;
  sweep: string;
  metric?: string;
}
