import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { composeConfig } from '@cellar/config';
import { parse } from 'yaml';
import { readNxJson, type Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from '@nx/devkit/testing';
import initGenerator from './generator';

function snapshot(tree: Tree): Record<string, string> {
  return Object.fromEntries(
    tree
      .listChanges()
      .filter((c) => c.type !== 'DELETE')
      .map((c) => [c.path, tree.read(c.path, 'utf-8') ?? '']),
  );
}

describe('init generator', () => {
  it('registers the plugin and scaffolds configs, .dvc/config, .gitignore and the data project', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('.gitignore', 'node_modules\n');
    await initGenerator(tree, { remote: '../dvc-remote' });
    expect(readNxJson(tree)?.plugins).toEqual(['@cellar/nx']);
    const base = parse(tree.read('configs/train/base.yaml', 'utf-8')!);
    // base.yaml names no data set; without --data no data config is written.
    expect(base).toEqual({
      train: { random_state: 42 },
      notify: { webhook_url: '${env:CELLAR_WEBHOOK_URL,null}' },
    });
    expect(tree.children('configs')).toEqual(['train', 'model']);
    expect(parse(tree.read('configs/model/logreg.yaml', 'utf-8')!).model.type).toBe('logreg');
    expect(tree.read('.dvc/config', 'utf-8')).toBe(
      `[core]\n    remote = default\n['remote "default"']\n    url = ../../dvc-remote\n`,
    );
    const data = JSON.parse(tree.read('data/project.json', 'utf-8')!);
    expect(Object.keys(data.targets)).toEqual(['pull', 'push', 'status']);
    expect(data.targets.pull.command).toBe('node node_modules/@cellar/nx/bin/cellar-nx.js pull');
    expect(data.targets.push.executor).toBe('@cellar/nx:push');
    expect(data.targets.status.metadata.help.command).toBe('npx cellar data status --help');
    const ignore = tree.read('.gitignore', 'utf-8')!;
    expect(ignore.startsWith('node_modules\n# Cellar:')).toBe(true);
    expect(ignore).toContain('/mlruns/\n');
    expect(ignore).toContain('/apps/*/predictions/\n');
  });

  it('is idempotent: a second run changes nothing, and user edits survive', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, {});
    tree.write('configs/model/logreg.yaml', 'model:\n  type: logreg\n  C: 0.5\n');
    const before = snapshot(tree);
    await initGenerator(tree, { remote: '/elsewhere' });
    expect(snapshot(tree)).toEqual(before);
  });

  it('writes configs/data/<name>.yaml for a CSV: numeric columns are features, text columns excluded', async () => {
    const tree = createTreeWithEmptyWorkspace();
    tree.write('data/iris.csv', 'sepal_length,sepal_width,name,species\n5.1,3.5,a,0\n');
    await initGenerator(tree, { data: 'data/iris.csv' });
    expect(parse(tree.read('configs/data/iris.yaml', 'utf-8')!)).toEqual({
      path: 'data/iris.csv',
      pointer: 'data/iris.csv.dvc',
      format: { delimiter: 'auto', missing: 'error' },
      target: 'species',
      features: ['sepal_length', 'sepal_width'],
      exclude: ['name'],
      labels: null,
      split: { method: 'stratified', test_size: 0.2, random_state: 42, column: null },
    });
    expect(parse(tree.read('configs/train/base.yaml', 'utf-8')!).data).toBeUndefined();
    // What init writes composes and validates as it is.
    const root = mkdtempSync(join(tmpdir(), 'cellar-init-'));
    try {
      for (const f of ['configs/train/base.yaml', 'configs/data/iris.yaml', 'configs/model/logreg.yaml']) {
        mkdirSync(dirname(join(root, f)), { recursive: true });
        writeFileSync(join(root, f), tree.read(f, 'utf-8')!);
      }
      const { config } = composeConfig({ root, model: 'logreg', data: 'iris', env: {} });
      expect(config.data).toMatchObject({ name: 'iris', target: 'species', exclude: ['name'] });
      expect(config.tracking.experiment).toBe('iris');
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
    await expect(initGenerator(createTreeWithEmptyWorkspace(), { data: 'data/x.csv' })).rejects.toThrow(
      '--data data/x.csv does not exist in the workspace',
    );
    const t2 = createTreeWithEmptyWorkspace();
    t2.write('d.csv', 'a,b\n1,2\n');
    await expect(initGenerator(t2, { data: 'd.csv', target: 'c' })).rejects.toThrow(
      "--target 'c' is not a column of d.csv (columns: a, b)",
    );
  });

  it('records a non-default config folder and data project as plugin options', async () => {
    const tree = createTreeWithEmptyWorkspace();
    await initGenerator(tree, { configDir: 'ml/configs', dataProject: 'datasets' });
    expect(readNxJson(tree)?.plugins).toEqual([
      { plugin: '@cellar/nx', options: { configDir: 'ml/configs', dataProject: 'datasets' } },
    ]);
    expect(tree.exists('ml/configs/train/base.yaml')).toBe(true);
    expect(tree.exists('datasets/project.json')).toBe(true);
  });
});
