export interface PushExecutorOptions {
  pointers?: string[];
  remote?: string;
  jobs?: number;
}
