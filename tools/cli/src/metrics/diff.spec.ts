import { describe, expect, it } from 'vitest';
import { diffResults, formatChange, formatDiffJson, formatDiffMarkdown, formatDiffText } from './diff';
import type { PipelineResult, RevisionResults } from './results';

const build = { tasks: 2, localCache: ['p:train', 'p:evaluate'], remoteCache: [], computed: [] };

function pipeline(name: string, accuracy: number, C = '1'): PipelineResult {
  return {
    name,
    root: `apps/${name}`,
    model: 'logreg',
    metrics: { accuracy, n_test: 229 },
    params: { 'model.C': C, 'train.test_size': '0.2' },
  };
}

function revision(rev: string, sha: string | null, pipelines: PipelineResult[]): RevisionResults {
  return { rev, sha, pipelines, sweeps: [], build };
}

const base = revision('main', 'a'.repeat(40), [
  pipeline('lr', 0.6, '1'),
  pipeline('rf', 0.7),
  pipeline('old', 0.5),
]);
const head = revision('workspace', null, [
  pipeline('lr', 0.625, '0.1'),
  pipeline('rf', 0.7),
  pipeline('new', 0.8),
]);

describe('diffResults', () => {
  it('pairs pipelines by name: modified, unchanged, added and removed', () => {
    const d = diffResults(base, head);
    expect(d.pipelines.map((p) => [p.name, p.status])).toEqual([
      ['lr', 'modified'],
      ['new', 'added'],
      ['old', 'removed'],
      ['rf', 'unchanged'],
    ]);
    const lr = d.pipelines[0];
    expect(lr.metrics).toEqual([
      { name: 'accuracy', base: 0.6, head: 0.625, change: 0.625 - 0.6 },
      { name: 'n_test', base: 229, head: 229, change: 0 },
    ]);
    expect(lr.params).toEqual([{ name: 'model.C', base: '1', head: '0.1' }]);
    expect(d.pipelines[1].metrics[0]).toEqual({ name: 'accuracy', base: null, head: 0.8, change: null });
    expect(d.pipelines[2].params).toContainEqual({ name: 'model.C', base: '1', head: null });
  });

  it('a param change alone marks a pipeline modified', () => {
    const d = diffResults(
      revision('a', 'a'.repeat(40), [pipeline('lr', 0.6, '1')]),
      revision('b', 'b'.repeat(40), [pipeline('lr', 0.6, '2')]),
    );
    expect(d.pipelines[0].status).toBe('modified');
  });
});

describe('formats', () => {
  const d = diffResults(base, head);

  it('text lists changed pipelines and changed metrics only, unless --all', () => {
    const text = formatDiffText(d);
    expect(text).toContain(`base main (aaaaaaa) -> head workspace`);
    expect(text).toContain('lr (modified)');
    expect(text).toMatch(/accuracy\s+0\.6000\s+0\.6250\s+\+0\.0250/);
    expect(text).toContain('model.C: 1 -> 0.1');
    expect(text).not.toContain('rf (unchanged)');
    const lrBlock = text.slice(text.indexOf('lr (modified)')).split('\n\n')[0];
    expect(lrBlock).toContain('accuracy');
    expect(lrBlock).not.toContain('n_test'); // unchanged metric of a modified pipeline
    expect(formatDiffText(d, true)).toContain('rf (unchanged)');
    expect(text).toContain(
      'base: 2 cached tasks, 2 from the local cache, 0 from the remote cache, 0 computed',
    );
  });

  it('markdown: one metrics table, then changed params', () => {
    expect(formatDiffMarkdown(d)).toBe(
      [
        '| pipeline | status | metric | main (aaaaaaa) | workspace | change |',
        '| --- | --- | --- | ---: | ---: | ---: |',
        '| lr | modified | accuracy | 0.6000 | 0.6250 | +0.0250 |',
        '| new | added | accuracy | — | 0.8000 | — |',
        '| new | added | n_test | — | 229 | — |',
        '| old | removed | accuracy | 0.5000 | — | — |',
        '| old | removed | n_test | 229 | — | — |',
        '',
        '**Changed params**',
        '',
        '| pipeline | param | base | head |',
        '| --- | --- | --- | --- |',
        '| lr | `model.C` | 1 | 0.1 |',
        '| new | `model.C` | — | 1 |',
        '| new | `train.test_size` | — | 0.2 |',
        '| old | `model.C` | 1 | — |',
        '| old | `train.test_size` | 0.2 | — |',
        '',
      ].join('\n'),
    );
    expect(formatDiffMarkdown(diffResults(base, base))).toBe('No metric or param changed.\n');
  });

  it('json leaves unchanged pipelines out unless --all', () => {
    expect((JSON.parse(formatDiffJson(d)) as { pipelines: unknown[] }).pipelines).toHaveLength(3);
    expect((JSON.parse(formatDiffJson(d, true)) as { pipelines: unknown[] }).pipelines).toHaveLength(4);
  });

  it('signs changes and keeps counts whole', () => {
    expect([formatChange(-0.00061), formatChange(3), formatChange(0), formatChange(null)]).toEqual([
      '-0.0006',
      '+3',
      '0',
      '—',
    ]);
  });
});
