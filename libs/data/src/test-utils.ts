import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '../../..');
/** The example's DVC remote ships in the repo; its one object is WineQT.csv itself. */
export const EXAMPLE_REMOTE = path.resolve(REPO_ROOT, 'data/remote');
export const WINE_CSV = path.join(EXAMPLE_REMOTE, 'files/md5/e2/e57e4c41e6ee0213fb12e5a70f4bfb');
export const WINE_MD5 = 'e2e57e4c41e6ee0213fb12e5a70f4bfb';
export const WINE_SIZE = 78057;

export function makeTempDir(prefix = 'cellar-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A workspace with .dvc/config (optional) and files written from a map of relative paths. */
export function makeWorkspace(files: Record<string, string | Buffer> = {}): string {
  const root = makeTempDir('cellar-ws-');
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(root, rel);
    fs.mkdirSync(path.dirname(abs), { recursive: true });
    fs.writeFileSync(abs, content);
  }
  return root;
}

export function wineWorkspace(extra: Record<string, string | Buffer> = {}): string {
  return makeWorkspace({
    'data/external/WineQT.csv.dvc': fs.readFileSync(path.join(REPO_ROOT, 'data/external/WineQT.csv.dvc')),
    ...extra,
  });
}
