// Test helper: a throw-away workspace with the repo's configs, the WineQT pointer and its data file.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../../..');
/** The example's DVC remote holds WineQT.csv under its md5. */
export const WINE_CSV = path.join(REPO_ROOT, 'data/remote/files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');

export interface WineWorkspace {
  root: string;
  /** apps/<name>/pipeline.yaml declaring `data` (default wine) and `model`, relative to root. */
  addPipeline(name: string, model: string, overrides?: string[], data?: string): string;
  write(file: string, text: string): void;
  dispose(): void;
}

export function wineWorkspace(): WineWorkspace {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-pipeline-'));
  fs.cpSync(path.join(REPO_ROOT, 'configs'), path.join(root, 'configs'), { recursive: true });
  fs.mkdirSync(path.join(root, 'data/external'), { recursive: true });
  fs.copyFileSync(
    path.join(REPO_ROOT, 'data/external/WineQT.csv.dvc'),
    path.join(root, 'data/external/WineQT.csv.dvc'),
  );
  fs.copyFileSync(WINE_CSV, path.join(root, 'data/external/WineQT.csv'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  };
  return {
    root,
    write,
    addPipeline(name, model, overrides = [], data = 'wine') {
      const file = `apps/${name}/pipeline.yaml`;
      const lines = [
        `data: ${data}`,
        `model: ${model}`,
        ...(overrides.length ? ['overrides:', ...overrides.map((o) => `  - ${o}`)] : []),
      ];
      write(file, lines.join('\n') + '\n');
      return file;
    },
    dispose: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
