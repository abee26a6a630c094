import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PipelineResult, RevisionResults, SweepResult } from '../metrics/results';
import { makeTempDir } from '../testing/io';
import { diffPlots, plotsHtml, revisionPlots, sweepPlots } from './plots';
import { writePlots } from './plots-cli';
import { lineChart, niceRange, sideBySide } from './svg';

const tmp = makeTempDir('cellar-plots-');
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const sweep: SweepResult = {
  name: 'grid',
  points: [
    {
      id: 'a',
      model: 'logreg',
      params: { 'model.C': '10', 'train.test_size': '0.2' },
      metrics: { accuracy: 0.61 },
    },
    {
      id: 'b',
      model: 'logreg',
      params: { 'model.C': '0.1', 'train.test_size': '0.2' },
      metrics: { accuracy: 0.6 },
    },
    {
      id: 'c',
      model: 'logreg',
      params: { 'model.C': '1', 'train.test_size': '0.2' },
      metrics: { accuracy: 0.62 },
    },
    { id: 'd', model: 'logreg', params: { 'model.C': '0.1', 'train.test_size': '0.3' }, metrics: null },
    { id: 'e', model: 'random_forest', params: { 'model.max_depth': 'null' }, metrics: { accuracy: 0.7 } },
    { id: 'f', model: 'random_forest', params: { 'model.max_depth': '5' }, metrics: { accuracy: 0.65 } },
  ],
};

function pipeline(name: string, accuracy: number, matrix: number[][]): PipelineResult {
  return {
    name,
    root: `apps/${name}`,
    model: 'logreg',
    metrics: { accuracy, f1_macro: accuracy / 2 },
    params: {},
    confusion: { labels: [5, 6], matrix },
  };
}

const base: RevisionResults = {
  rev: 'main',
  sha: 'a'.repeat(40),
  pipelines: [
    pipeline('lr', 0.6, [
      [3, 1],
      [2, 4],
    ]),
    pipeline('rf', 0.7, [
      [4, 0],
      [1, 5],
    ]),
  ],
  sweeps: [],
  build: { tasks: 0, localCache: [], remoteCache: [], computed: [] },
};
const head: RevisionResults = {
  ...base,
  rev: 'workspace',
  sha: null,
  pipelines: [
    pipeline('lr', 0.65, [
      [4, 0],
      [2, 4],
    ]),
  ],
  sweeps: [sweep],
};

/** Well-formed XML with an <svg> root, by Python's parser (installed with scikit-learn in CI). */
function parseSvg(file: string): string | null {
  const r = spawnSync(
    'python3',
    ['-c', 'import sys,xml.etree.ElementTree as E; print(E.parse(sys.argv[1]).getroot().tag)', file],
    {
      encoding: 'utf8',
    },
  );
  if (r.error) return null;
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

describe('sweepPlots', () => {
  it('one plot per model and varied param; x in numeric order with null last; one line per other params', () => {
    const plots = sweepPlots(sweep);
    expect(plots.map((p) => p.file)).toEqual([
      'sweep-grid-logreg-model.C.svg',
      'sweep-grid-logreg-train.test_size.svg',
      'sweep-grid-random_forest-model.max_depth.svg',
    ]);
    const c = plots[0].svg;
    const ticks = [...c.matchAll(/<text x="[\d.]+" y="\d+" text-anchor="middle">([^<]+)<\/text>/g)].map(
      (m) => m[1],
    );
    expect(ticks.slice(0, 3)).toEqual(['0.1', '1', '10']);
    // test_size=0.2 has all three points; test_size=0.3 only one, without results: no marker.
    expect(c).toContain('<title>train.test_size=0.2 0.1: 0.600</title>');
    expect(c).toContain('<title>train.test_size=0.2 10: 0.610</title>');
    expect(c.match(/<circle /g)).toHaveLength(3);
    expect(c.match(/<polyline /g)).toHaveLength(1);
    const rf = plots[2].svg;
    expect(rf.indexOf('>5</text>')).toBeLessThan(rf.indexOf('>null</text>'));
  });
});

describe('revision and diff plots', () => {
  it('scores, confusion matrices and sweep curves for one revision; base vs head for two', () => {
    expect(revisionPlots(head).map((p) => p.file)).toEqual([
      'metrics.svg',
      'lr-confusion.svg',
      'sweep-grid-logreg-model.C.svg',
      'sweep-grid-logreg-train.test_size.svg',
      'sweep-grid-random_forest-model.max_depth.svg',
    ]);
    const plots = diffPlots(base, head, new Set(['lr', 'rf']));
    expect(plots.map((p) => p.file)).toEqual([
      'diff-accuracy.svg',
      'diff-f1_macro.svg',
      'diff-lr-confusion.svg',
      'diff-rf-confusion.svg',
    ]);
    expect(plots[0].svg).toContain('<title>lr main (aaaaaaa): 0.600</title>');
    expect(plots[0].svg).toContain('<title>lr workspace: 0.650</title>');
    expect(plots[3].svg).toContain('not in this revision');
    expect(plots[2].svg.match(/<svg /g)).toHaveLength(3); // the frame and two nested matrices
  });

  it('writes valid SVG files and an HTML page that embeds them and loads nothing', () => {
    const plots = [...diffPlots(base, head), ...revisionPlots(head)];
    const written = writePlots(tmp, plots, { title: 'A & B' });
    expect(written.map((f) => path.basename(f))).toEqual([...plots.map((p) => p.file), 'index.html']);
    for (const p of plots) {
      const tag = parseSvg(path.join(tmp, p.file));
      if (tag !== null) expect(tag).toBe('{http://www.w3.org/2000/svg}svg');
    }
    const html = fs.readFileSync(path.join(tmp, 'index.html'), 'utf8');
    expect(html).toBe(plotsHtml('A & B', plots));
    expect(html).toContain('<title>A &amp; B</title>');
    expect(html.match(/<svg xmlns/g)?.length).toBeGreaterThanOrEqual(plots.length);
    expect(html).not.toMatch(/<script|<link|src=/);
  });
});

describe('svg helpers', () => {
  it('niceRange covers the values with round ticks, and a flat range still has a span', () => {
    expect(niceRange([0.61, 0.69])).toEqual({ lo: 0.6, hi: 0.7, ticks: [0.6, 0.62, 0.64, 0.66, 0.68, 0.7] });
    const flat = niceRange([0.5, 0.5]);
    expect(flat.lo).toBeLessThan(0.5);
    expect(flat.hi).toBeGreaterThan(0.5);
  });

  it('escapes text and keeps a missing panel visible', () => {
    const svg = lineChart({
      title: 'a<b',
      xLabel: 'x',
      yLabel: 'y',
      x: ['1'],
      series: [{ label: '"q"', values: [1] }],
    });
    expect(svg).toContain('a&lt;b');
    expect(svg).toContain('&quot;q&quot;');
    expect(sideBySide('t', [{ caption: 'base', svg: null }])).toContain('not in this revision');
    const title = 'wine-experiments: accuracy against model.n_estimators (random_forest)';
    const wide = lineChart({
      title,
      xLabel: 'x',
      yLabel: 'y',
      x: ['1', '2'],
      series: [{ label: 's', values: [1, 2] }],
    });
    expect(Number(/width="(\d+)"/.exec(wide)?.[1])).toBeGreaterThanOrEqual(title.length * 8.6);
  });
});
