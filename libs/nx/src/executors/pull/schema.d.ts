export interface PullExecutorOptions {
  pointers?: string[];
  remote?: string;
  jobs?: number;
  force?: boolean;
}
export type PushExecutorOptions = Omit<PullExecutorOptions, 'force'>;
export interface StatusExecutorOptions {
  pointers?: string[];
  remote?: string;
  json?: boolean;
}
