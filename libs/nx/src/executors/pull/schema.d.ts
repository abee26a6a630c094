export interface PullExecutorOptions {
  pointers?: string[];
  remote?: string;
  jobs?: number;
}
export type PushExecutorOptions = PullExecutorOptions;
export interface StatusExecutorOptions {
  pointers?: string[];
  remote?: string;
  json?: boolean;
}
