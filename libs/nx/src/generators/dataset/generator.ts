import { isAbsolute, relative, resolve } from 'node:path';
import { logger, readNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { addData, DataError, inferTable, isIdColumn, type TableInference } from '@cellar/data';
import { stringify } from 'yaml';
import type { DatasetGeneratorSchema } from './schema';

const NAME = /^[a-z][a-z0-9]*([-_][a-z0-9]+)*$/;

function configDirOf(tree: Tree): string {
  const entry = readNxJson(tree)?.plugins?.find(
    (p) => (typeof p === 'string' ? p : p.plugin) === '@cellar/nx',
  );
  const options = (typeof entry === 'object' ? entry.options : {}) as Record<string, string> | undefined;
  return options?.configDir ?? 'configs';
}

/** The file relative to the workspace root, with / separators; refuses one outside it. */
function workspacePath(tree: Tree, file: string): string {
  const rel = relative(tree.root, resolve(tree.root, file)).split('\\').join('/');
  if (rel === '' || rel.startsWith('../') || rel === '..' || isAbsolute(rel)) {
    throw new Error(`--file ${file} is outside the workspace ${tree.root}; move it under data/ first`);
  }
  if (rel.endsWith('.dvc')) throw new Error(`--file ${rel} is a pointer; give the data file it tracks`);
  if (!tree.exists(rel)) throw new Error(`--file ${rel} does not exist in the workspace`);
  return rel;
}

/** `nx g @cellar/nx:dataset <name> --file=<path>`: configs/data/<name>.yaml, then the pointer. */
export default async function datasetGenerator(
  tree: Tree,
  options: DatasetGeneratorSchema,
): Promise<GeneratorCallback> {
  if (!NAME.test(options.name)) {
    throw new Error(`data set name '${options.name}' must be lower case with - or _ (e.g. wine-red)`);
  }
  const config = `${configDirOf(tree)}/data/${options.name}.yaml`;
  if (tree.exists(config) && !options.force) {
    throw new Error(`${config} already exists; pass --force to overwrite it`);
  }
  const file = workspacePath(tree, options.file);
  let info: TableInference;
  try {
    info = await inferTable(resolve(tree.root, file), { delimiter: options.delimiter, displayPath: file });
  } catch (err) {
    // DataError messages already name the file and what to do
    if (err instanceof DataError) throw new Error(err.message);
    throw err;
  }
  tree.write(config, datasetYaml(options, file, info));
  // The pointer is written by the same code as `cellar data add`, after the tree is flushed
  // (so --dry-run writes nothing); it also git-ignores the data file beside it.
  return async () => {
    const added = await addData({ root: tree.root, file });
    logger.info(`Tracked ${added.path} (md5 ${added.md5}) in ${added.pointer}; commit it with ${config}.`);
  };
}

function datasetYaml(options: DatasetGeneratorSchema, file: string, info: TableInference): string {
  const names = info.columns.map((c) => c.name);
  const target = options.target ?? info.targetGuess;
  if (target === null) {
    throw new Error(`${file}: cannot guess the target column; pass --target (columns: ${names.join(', ')})`);
  }
  if (!names.includes(target)) {
    throw new Error(`--target '${target}' is not a column of ${file} (columns: ${names.join(', ')})`);
  }
  const rest = info.columns.filter((c) => c.name !== target);
  const typo = rest.find((c) => c.firstText);
  if (typo?.firstText) {
    const { row, line, text } = typo.firstText;
    const at = line === undefined ? `row ${row}` : `row ${row} (line ${line})`;
    throw new Error(
      `${file}: ${at}, column '${typo.name}': '${text}' is not a number, but the column's other cells are; fix the cell and run again`,
    );
  }
  const exclude = rest.filter((c) => c.kind === 'numeric' && isIdColumn(c.name)).map((c) => c.name);
  const features = rest.filter((c) => c.kind === 'numeric' && !exclude.includes(c.name)).map((c) => c.name);
  const ignored = rest.filter((c) => c.kind === 'text').map((c) => c.name);
  if (features.length === 0) {
    throw new Error(
      `${file}: no numeric column left for features (columns: ${names.join(', ')}); check the file`,
    );
  }
  const targetInfo = info.columns.find((c) => c.name === target)!;
  const classes = targetInfo.kind === 'text' || targetInfo.distinct <= 20;
  const missing = options.missing ?? 'error';
  const withMissing = [...features, target].filter(
    (n) => info.columns.find((c) => c.name === n)!.missing > 0,
  );
  const scalar = (v: string) => stringify(v).trimEnd();
  const list = (items: string[], comment: string) =>
    items.length ? ` # ${comment}\n` + items.map((i) => `  - ${scalar(i)}`).join('\n') : ` [] # ${comment}`;
  const lines = [
    `# Data set '${options.name}': selected by \`data: ${options.name}\` in a pipeline.yaml or \`data=${options.name}\` on the command line.`,
    `# Written by nx g @cellar/nx:dataset from ${file} (${info.nRows} rows); edit freely.`,
    `path: ${scalar(file)} # the data file, relative to the workspace root`,
    `pointer: ${scalar(`${file}.dvc`)} # its DVC pointer`,
    'format:',
  ];
  if (info.delimiter !== null && info.delimiter !== ',') {
    lines.push(`  delimiter: ${info.delimiter === '\t' ? '"\\t"' : `'${info.delimiter}'`}`);
  }
  lines.push(
    `  missing: ${missing} # error | drop${
      withMissing.length && missing === 'error' ? ` (missing values in: ${withMissing.join(', ')})` : ''
    }`,
  );
  const notes = [
    ...(options.target ? [] : ['GUESSED: confirm']),
    ...(targetInfo.kind === 'text' ? [`text labels, ${targetInfo.distinct} classes`] : []),
  ];
  lines.push(`target: ${scalar(target)}${notes.length ? ` # ${notes.join('; ')}` : ''}`);
  lines.push(`features:${list(features, 'numeric columns, in file order')}`);
  if (ignored.length) lines.push(`# text columns, ignored: ${ignored.join(', ')}`);
  lines.push(`exclude:${list(exclude, 'numeric columns that are not features, e.g. an id')}`);
  lines.push(
    'split:',
    `  method: ${classes ? 'stratified' : 'sklearn'} # stratified | sklearn | group | time`,
    '  test_size: 0.2',
    '  random_state: 42',
  );
  return lines.join('\n') + '\n';
}
