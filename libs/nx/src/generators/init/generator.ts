import { isAbsolute, posix, relative, resolve } from 'node:path';
import { readNxJson, updateNxJson, type Tree } from '@nx/devkit';
import { stringify } from 'yaml';
import type { InitGeneratorSchema } from './schema';

const PLUGIN = '@cellar/nx';

/** `nx add @cellar/nx` runs this. Every step only adds what is missing, so running it twice is a no-op. */
export default async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<void> {
  const configDir = (options.configDir ?? 'configs').replace(/\/+$/, '');
  const dataProject = options.dataProject ?? 'data';
  registerPlugin(tree, configDir, dataProject);
  writeIfMissing(tree, `${configDir}/train/base.yaml`, () => baseConfig(configDir));
  if (options.data) {
    const name = dataSetName(options.data);
    writeIfMissing(tree, `${configDir}/data/${name}.yaml`, () =>
      dataConfig(tree, options.data as string, options.target),
    );
  }
  writeIfMissing(tree, `${configDir}/model/logreg.yaml`, () => LOGREG);
  writeIfMissing(tree, '.dvc/config', () => dvcConfig(tree, options.remote));
  writeIfMissing(tree, `${dataProject}/project.json`, () => dataProjectJson(dataProject));
  appendGitignore(tree, GITIGNORE);
}

function writeIfMissing(tree: Tree, file: string, content: () => string): void {
  if (!tree.exists(file)) tree.write(file, content());
}

function registerPlugin(tree: Tree, configDir: string, dataProject: string): void {
  const nxJson = readNxJson(tree) ?? {};
  const plugins = nxJson.plugins ?? [];
  if (plugins.some((p) => (typeof p === 'string' ? p : p.plugin) === PLUGIN)) return;
  const options: Record<string, string> = {};
  if (configDir !== 'configs') options.configDir = configDir;
  if (dataProject !== 'data') options.dataProject = dataProject;
  nxJson.plugins = [...plugins, Object.keys(options).length ? { plugin: PLUGIN, options } : PLUGIN];
  updateNxJson(tree, nxJson);
}

const LOGREG = `# Multinomial logistic regression (L-BFGS), scikit-learn's conventions.
model:
  type: logreg
  C: 1.0 # inverse L2 strength, > 0
  max_iter: 1000
  tol: 0.0001
`;

function baseConfig(configDir: string): string {
  return `# Base training config: every pipeline starts here, then ${configDir}/data/<data>.yaml (under data:),
# then ${configDir}/model/<model>.yaml, then the pipeline's own overrides, then command-line overrides
# (Hydra grammar). Nothing here names a data set.
${stringify({ train: { random_state: 42 }, notify: { webhook_url: '${env:CELLAR_WEBHOOK_URL,null}' } })}`;
}

/** `data/iris.csv` -> `iris`: the config group name, a valid file name. */
export function dataSetName(file: string): string {
  const stem = posix.basename(file.split('\\').join('/')).replace(/\.[^.]+$/, '');
  const name = stem.replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^[^A-Za-z0-9]+/, '');
  return name || 'data';
}

/** configs/data/<name>.yaml for a CSV in the workspace: numeric columns are features, text columns excluded. */
function dataConfig(tree: Tree, file: string, target: string | undefined): string {
  const columns = inferColumns(tree, file, target);
  const config = {
    path: file,
    pointer: `${file}.dvc`,
    format: { delimiter: 'auto', missing: 'error' },
    target: columns.target,
    features: columns.features,
    exclude: columns.excluded,
    labels: null,
    split: { method: 'stratified', test_size: 0.2, random_state: 42, column: null },
  };
  return `# The ${dataSetName(file)} data set: pipelines select it with \`data: ${dataSetName(file)}\`.\n${stringify(config)}`;
}

/** Reads the header and first row: numeric columns are features, text columns are excluded. */
function inferColumns(tree: Tree, file: string, target?: string) {
  const text = tree.read(file, 'utf-8');
  if (text === null) throw new Error(`--data ${file} does not exist in the workspace`);
  const [headerLine, firstRow] = text.split(/\r?\n/, 2);
  const header = headerLine.split(',').map((c) => c.trim().replace(/^"(.*)"$/, '$1'));
  const cells = (firstRow ?? '').split(',');
  const chosen = target ?? header[header.length - 1];
  if (!header.includes(chosen)) {
    throw new Error(`--target '${chosen}' is not a column of ${file} (columns: ${header.join(', ')})`);
  }
  const rest = header.filter((c) => c !== chosen);
  const numeric = (c: string) =>
    cells[header.indexOf(c)]?.trim() !== '' && Number.isFinite(Number(cells[header.indexOf(c)]));
  return { target: chosen, features: rest.filter(numeric), excluded: rest.filter((c) => !numeric(c)) };
}

function dvcConfig(tree: Tree, remote: string | undefined): string {
  if (!remote) {
    return `[core]\n# Add a remote for tracked data, e.g.:\n#   npx nx g @cellar/nx:init --remote=/srv/dvc-remote\n# or set CELLAR_DATA_REMOTE. Same format as DVC's own .dvc/config.\n`;
  }
  // DVC resolves a relative remote path from .dvc/, not from the workspace root.
  const url =
    /^[a-z][a-z0-9+.-]*:\/\//i.test(remote) || isAbsolute(remote)
      ? remote
      : relative(resolve(tree.root, '.dvc'), resolve(tree.root, remote)).split('\\').join('/');
  return `[core]\n    remote = default\n['remote "default"']\n    url = ${url}\n`;
}

function dataProjectJson(name: string): string {
  const target = (executor: string, description: string) => ({
    executor: `@cellar/nx:${executor}`,
    cache: false,
    metadata: {
      description,
      help: { command: `npx cellar data ${executor} --help`, example: { options: {} } },
    },
  });
  // pull runs on every pipeline invocation: a plain command, which Nx runs without forking an executor.
  const bin = 'node_modules/@cellar/nx/bin/cellar-nx.js';
  const project = {
    name,
    root: name,
    projectType: 'library',
    tags: ['type:data'],
    metadata: {
      description: 'Tracked data: *.dvc pointers committed, data pulled from the remote in .dvc/config',
    },
    targets: {
      pull: {
        command: `node ${bin} pull`,
        cache: false,
        metadata: {
          description: 'Fetch missing or changed data files from the remote, md5-checked',
          help: { command: `node ${bin} pull --help`, example: { options: { force: true } } },
        },
      },
      push: target('push', 'Upload data files whose objects the remote lacks'),
      status: target('status', 'Workspace and remote state of every tracked data file'),
    },
  };
  return JSON.stringify(project, null, 2) + '\n';
}

const GITIGNORE = [
  '# Cellar: pulled data and pipeline outputs (restored from the Nx cache), tracking store',
  '/mlruns/',
  '/.cellar/',
  '/apps/*/model.json',
  '/apps/*/metrics.json',
  '/apps/*/reports/',
  '/apps/*/predictions/',
];

function appendGitignore(tree: Tree, lines: string[]): void {
  const current = tree.exists('.gitignore') ? (tree.read('.gitignore', 'utf-8') ?? '') : '';
  const have = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = lines.filter((l) => l.startsWith('#') || !have.has(l));
  if (missing.every((l) => l.startsWith('#'))) return;
  const block = missing.filter((l, i) => !l.startsWith('#') || i === 0).join('\n');
  tree.write('.gitignore', `${current}${current && !current.endsWith('\n') ? '\n' : ''}${block}\n`);
}
