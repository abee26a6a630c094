export interface PullExecutorOptions {
  pointers?: string[];
  remote?: string;
  jobs?: number;
  force?: boolean;
}
