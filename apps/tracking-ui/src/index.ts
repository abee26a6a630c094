// Entry of @cellar/tracking-ui: the server (for `cellar ui`, tests and benchmarks) and its command.
export { startUiServer, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './server';
export type { RunsPage, UiServer, UiServerOptions } from './server';
export { serveUi } from './main';
