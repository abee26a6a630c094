export interface SweepExecutorOptions {
  sweep: string;
  parallel?: number;
  metric?: string;
  track?: boolean;
}
