export interface StatusExecutorOptions {
  pointers?: string[];
  remote?: string;
  json?: boolean;
}
