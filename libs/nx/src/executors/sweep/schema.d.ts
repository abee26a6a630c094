export interface SweepExecutorOptions {
  sweep: string;
  workers?: number;
  metric?: string;
  track?: boolean;
}
