import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { diffResults, formatDiffMarkdown } from '../metrics/diff';
import type { RevisionResults } from '../metrics/results';
import { captureIo, makeTempDir } from '../testing/io';
import { renderReport, REPORT_MARKER, reportCli } from './report-cli';

const REPO = path.resolve(__dirname, '../../../..');

function revision(
  rev: string,
  sha: string | null,
  accuracy: number,
  C: string,
  computed: string[] = [],
): RevisionResults {
  return {
    rev,
    sha,
    pipelines: [
      { name: 'lr', root: 'apps/lr', model: 'logreg', metrics: { accuracy }, params: { 'model.C': C } },
    ],
    sweeps: [],
    build: {
      tasks: 2,
      localCache: computed.length ? [] : ['lr:train', 'lr:evaluate'],
      remoteCache: [],
      computed,
    },
  };
}

describe('renderReport', () => {
  const diff = diffResults(
    revision('main', 'b'.repeat(40), 0.6, '1'),
    revision('workspace', null, 0.65, '0.1', ['lr:train']),
  );
  const plots = [{ file: 'diff-accuracy.svg', title: 'accuracy: base vs head', svg: '<svg/>' }];

  it('starts with the marker, embeds the diff table unchanged and links every plot', () => {
    const md = renderReport(diff, plots, 'plots');
    expect(md.split('\n')[0]).toBe(REPORT_MARKER);
    expect(md).toContain(formatDiffMarkdown(diff).trimEnd());
    expect(md).toContain('Base `main (bbbbbbb)` → head `workspace`');
    expect(md).toContain('- [accuracy: base vs head](plots/diff-accuracy.svg)');
    expect(md).toContain('- [all plots on one page](plots/index.html)');
    expect(md).toContain('- `workspace`: 0 local cache, 0 remote cache, 1 computed (`lr:train`)');
  });

  it('links plots under another URL when asked', () => {
    expect(renderReport(diff, plots, 'https://ci.example/artifacts/7')).toContain(
      '](https://ci.example/artifacts/7/diff-accuracy.svg)',
    );
  });

  it('the workflow finds its comment by the same marker and runs cellar report', () => {
    const workflow = fs.readFileSync(path.join(REPO, '.github/workflows/pr-report.yml'), 'utf8');
    expect(workflow).toContain(`const marker = '${REPORT_MARKER}';`);
    expect(workflow).toContain('npx cellar report --base');
    expect(workflow).toContain('secrets.CELLAR_CACHE_READ_TOKEN');
    expect(workflow).not.toContain('CELLAR_CACHE_WRITE_TOKEN');
  });
});

describe('reportCli', () => {
  it('requires --base', async () => {
    const c = captureIo(makeTempDir());
    expect(await reportCli([], c.io)).toBe(2);
    expect(c.stderr()).toBe('cellar report: --base <rev> is required (e.g. --base origin/main)\n');
  });
});
