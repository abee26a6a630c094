// docs/walkthrough.md cannot rot: its blocks run in order in a temporary copy of the workspace, and a
// block that fails or prints something else than the doc shows fails this test.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchOutput, parseWalkthrough, runBlock, type WalkthroughBlock } from './walkthrough';
import { createTempWorkspace, linkBins, REPO, type TempWorkspace } from './workspace';

const DOC = join(REPO, 'docs/walkthrough.md');

describe('the runner', () => {
  const doc = [
    '```bash run',
    'echo one',
    '```',
    '',
    '```text',
    'one',
    '```',
    '```sh',
    'shown, not run',
    '```',
    '```ts run',
    'console.log(1)',
    '```',
  ].join('\n');

  it('takes the marked blocks and the text block after each', () => {
    expect(parseWalkthrough(doc)).toEqual([
      { line: 1, lang: 'bash', code: 'echo one', expected: 'one' },
      { line: 11, lang: 'ts', code: 'console.log(1)', expected: null },
    ]);
  });

  it('matches line by line, "..." skipping lines; only durations and short shas are normalised', () => {
    expect(matchOutput('a\n...\nc', 'a\nb\nb\nc\n')).toBeNull();
    expect(matchOutput('...\nb\n...', 'a\nb\nc')).toBeNull();
    expect(matchOutput('took 1.2s at (abc1234)', 'took 35ms at (fedcba9)  ')).toBeNull();
    expect(matchOutput('accuracy 0.6157', 'accuracy 0.6158')).toMatch(/expected/);
    expect(matchOutput('a\nb', 'a\nb\nc')).toMatch(/at the end|exactly/);
    expect(matchOutput('a\n...', 'x\na')).toMatch(/at the start/);
  });
});

describe('docs/walkthrough.md', () => {
  let ws: TempWorkspace;
  let blocks: WalkthroughBlock[];

  beforeAll(() => {
    ws = createTempWorkspace('cellar-walkthrough-');
    linkBins(ws);
    blocks = parseWalkthrough(readFileSync(DOC, 'utf8'));
  });
  afterAll(() => ws?.dispose());

  it('runs every block in order and each prints what the doc shows', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(10);
    expect(blocks.filter((b) => b.expected !== null).length).toBeGreaterThanOrEqual(8);
    blocks.forEach((block, i) => {
      const r = runBlock(block, ws, i);
      if (process.env.CELLAR_WALKTHROUGH_PRINT)
        console.log(`--- block ${i + 1} (line ${block.line})\n${r.output}`);
      expect(r.failure).toBeNull();
    });
  }, 600_000);

  it('a block whose command is wrong fails, and so does output that no longer matches', () => {
    const runsLs = blocks.find((b) => b.lang === 'bash' && b.code.includes('npx cellar runs ls'));
    expect(runsLs).toBeDefined();
    const wrong = { ...runsLs!, code: runsLs!.code.replace('cellar runs ls', 'cellar runs lss') };
    const r = runBlock(wrong, ws, 99);
    expect(r.code).not.toBe(0);
    expect(r.failure).toContain(`docs/walkthrough.md:${runsLs!.line}`);
    expect(r.failure).toContain("unknown command 'lss'");
    // The right command with another column than the doc shows: it runs, and the output check fails.
    const other = { ...runsLs!, code: runsLs!.code.replace('params.model.C,', '') };
    const o = runBlock(other, ws, 99);
    expect(o.code).toBe(0);
    expect(o.failure).toMatch(/output no longer matches the doc/);
  });
});
