import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeTempDir } from '../testing/io';
import { collectResults, type ProjectGraphJson, type RunNx } from './results';
import { workspaceCheckout } from './revision';

const REPO = path.resolve(__dirname, '../../../..');
const root = makeTempDir('cellar-results-');
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

function write(rel: string, content: unknown): void {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), typeof content === 'string' ? content : JSON.stringify(content));
}

// The repository's example configs, a pipeline with outputs, and two sweep points (one not built).
fs.cpSync(path.join(REPO, 'configs'), path.join(root, 'configs'), { recursive: true });
write('apps/lr/pipeline.yaml', 'model: logreg\noverrides: [model.C=0.5]\n');
write('apps/lr/metrics.json', { accuracy: 0.62, model_type: 'logreg', n_test: 229 });
write('apps/lr/reports/metrics_detailed.json', {
  confusion_matrix: {
    labels: [5, 6],
    matrix: [
      [3, 1],
      [2, 4],
    ],
  },
});
write('apps/sw/points/p1/metrics.json', { accuracy: 0.7 });

// What `nx graph --file` writes (shape taken from Nx 23.3.1), trimmed to what the reader uses.
const graph: ProjectGraphJson = {
  graph: {
    nodes: {
      lr: {
        name: 'lr',
        type: 'app',
        data: {
          root: 'apps/lr',
          tags: ['type:pipeline', 'model:logreg'],
          targets: {
            train: {
              executor: '@cellar/nx:train',
              cache: true,
              options: { pipeline: 'apps/lr/pipeline.yaml' },
            },
            check: {
              executor: '@cellar/nx:evaluate',
              cache: true,
              options: { pipeline: 'apps/lr/pipeline.yaml' },
            },
            notify: { command: 'node x notify', cache: false },
          },
        },
      },
      // The sweep's table target shares the points' executor but names no point: not a point.
      sw: {
        name: 'sw',
        type: 'app',
        data: {
          root: 'apps/sw',
          tags: ['type:sweep'],
          targets: { sweep: { executor: '@cellar/nx:sweep', cache: false, options: { sweep: 'grid' } } },
        },
      },
      ...Object.fromEntries(
        [
          ['p1', ['model.max_depth=null', 'model.n_estimators=50']],
          ['p2', ['model.max_depth=5', 'model.n_estimators=50']],
        ].map(([id, overrides]) => [
          `sw-point-${id}`,
          {
            name: `sw-point-${id}`,
            type: 'app',
            data: {
              root: `apps/sw/points/${id}`,
              tags: ['type:sweep-point', 'sweep:sw', 'model:random_forest'],
              targets: {
                point: {
                  // p1 as this revision infers points, p2 as older revisions did.
                  executor: id === 'p1' ? '@cellar/nx:sweep' : '@cellar/nx:sweep-point',
                  cache: true,
                  options: { sweep: 'grid', id, model: 'random_forest', overrides },
                },
              },
            },
          },
        ]),
      ),
    },
  },
};

describe('collectResults', () => {
  it('builds the evaluate targets by their own name and reads metrics, composed params, confusion and sweeps', () => {
    const calls: string[][] = [];
    const nx: RunNx = (dir, args) => {
      calls.push(args);
      if (args[0] === 'graph') {
        fs.writeFileSync(args[1].slice('--file='.length), JSON.stringify(graph));
        return { code: 0, output: '' };
      }
      return {
        code: 0,
        output: '> nx run data:pull\n> nx run lr:train  [remote cache]\n> nx run lr:check\n',
      };
    };
    const r = collectResults(workspaceCheckout(root), { env: {}, sweeps: true, nx });
    expect(calls[1]).toEqual(['run-many', '-t', 'check', '-p', 'lr', '--output-style=static']);
    expect(r.build).toEqual({ tasks: 2, localCache: [], remoteCache: ['lr:train'], computed: ['lr:check'] });
    expect(r.pipelines).toHaveLength(1);
    const [lr] = r.pipelines;
    expect(lr.metrics).toEqual({ accuracy: 0.62, n_test: 229 });
    expect(lr.params['model.C']).toBe('0.5');
    expect(lr.params['model.type']).toBe('logreg');
    expect(lr.paramsError).toBeUndefined();
    expect(lr.confusion).toEqual({
      labels: [5, 6],
      matrix: [
        [3, 1],
        [2, 4],
      ],
    });
    expect(r.sweeps).toEqual([
      {
        name: 'sw',
        points: [
          {
            id: 'p1',
            model: 'random_forest',
            params: { 'model.max_depth': 'null', 'model.n_estimators': '50' },
            metrics: { accuracy: 0.7 },
          },
          {
            id: 'p2',
            model: 'random_forest',
            params: { 'model.max_depth': '5', 'model.n_estimators': '50' },
            metrics: null,
          },
        ],
      },
    ]);
  });

  it('a failed nx run names the revision and shows the end of its output', () => {
    const nx: RunNx = (dir, args) => {
      if (args[0] === 'graph') {
        fs.writeFileSync(args[1].slice('--file='.length), JSON.stringify(graph));
        return { code: 0, output: '' };
      }
      return { code: 1, output: 'lr:train failed: data/x.csv does not exist\n' };
    };
    expect(() => collectResults(workspaceCheckout(root), { env: {}, nx })).toThrow(
      'nx run-many -t check failed for the working tree:\nlr:train failed: data/x.csv does not exist',
    );
  });
});
