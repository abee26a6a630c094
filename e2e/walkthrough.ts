// Runs docs/walkthrough.md: every block fenced as ```bash run or ```ts run, in order, in one
// temporary copy of the workspace; a ```text block right after a block is its expected output.
// The README's "Your own data set" section runs the same way, every bash block of it (own-data.spec.ts).
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TempWorkspace } from './workspace';

export interface WalkthroughBlock {
  /** 1-based line of the opening fence in the markdown. */
  line: number;
  lang: 'bash' | 'ts';
  code: string;
  /** The following ```text block, if any. */
  expected: string | null;
}

/**
 * The blocks to run. `every`: each ```bash or ```ts block runs, not only those fenced `run` (the README
 * marks a whole section instead); `doc` and `firstLine` place error messages in the file.
 */
export function parseWalkthrough(
  markdown: string,
  { every = false, doc = 'docs/walkthrough.md', firstLine = 1 } = {},
): WalkthroughBlock[] {
  const lines = markdown.split('\n');
  const opening = every ? /^```(bash|ts)( run)?\s*$/ : /^```(bash|ts) run\s*$/;
  const blocks: WalkthroughBlock[] = [];
  const readFence = (start: number): { body: string; end: number } => {
    let end = start + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end += 1;
    if (end >= lines.length) throw new Error(`${doc}:${start + firstLine}: unclosed code block`);
    return { body: lines.slice(start + 1, end).join('\n'), end };
  };
  for (let i = 0; i < lines.length; i += 1) {
    const open = opening.exec(lines[i]);
    if (!open) {
      if (/^```/.test(lines[i])) i = readFence(i).end; // a block shown, not run
      continue;
    }
    const { body, end } = readFence(i);
    const block: WalkthroughBlock = {
      line: i + firstLine,
      lang: open[1] as 'bash' | 'ts',
      code: body,
      expected: null,
    };
    let next = end + 1;
    while (next < lines.length && lines[next].trim() === '') next += 1;
    if (next < lines.length && /^```text\s*$/.test(lines[next])) {
      const out = readFence(next);
      block.expected = out.body;
      i = out.end;
    } else {
      i = end;
    }
    blocks.push(block);
  }
  return blocks;
}

/**
 * What is allowed to differ between runs, and nothing else: colour codes, trailing spaces, blank lines
 * at either end, durations (`0.4s`, `802ms`) and abbreviated commit shas in parentheses (`(6eead00)`),
 * which a fresh git repository changes every time. Metric values are not normalised: training is seeded.
 */
export function normaliseOutput(text: string): string[] {
  const lines = text
    // eslint-disable-next-line no-control-regex
    .replace(/\u001b\[[0-9;]*m/g, '')
    .replace(/\b\d+(\.\d+)?m?s\b/g, '<duration>')
    .replace(/\(([0-9a-f]{7})\)/g, '(<sha>)')
    .split('\n')
    .map((l) => l.trimEnd());
  while (lines.length > 0 && lines[0] === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * Expected output against actual, line by line after normalising; a line `...` in the expected output
 * stands for any number of lines. Returns null on a match, else what differs.
 */
export function matchOutput(expected: string, actual: string): string | null {
  const want = normaliseOutput(expected);
  const got = normaliseOutput(actual);
  const segments: string[][] = [[]];
  for (const l of want) {
    if (l === '...') segments.push([]);
    else segments[segments.length - 1].push(l);
  }
  const anchoredStart = want[0] !== '...';
  const anchoredEnd = want[want.length - 1] !== '...';
  let pos = 0;
  for (let s = 0; s < segments.length; s += 1) {
    const seg = segments[s];
    if (seg.length === 0) continue;
    const isLast = s === segments.length - 1;
    const fits = (at: number) => seg.every((l, k) => got[at + k] === l);
    let at = -1;
    if (s === 0 && anchoredStart) {
      at = fits(0) ? 0 : -1;
    } else if (isLast && anchoredEnd) {
      const last = got.length - seg.length;
      at = last >= pos && fits(last) ? last : -1;
    } else {
      for (let k = pos; k + seg.length <= got.length; k += 1) {
        if (fits(k)) {
          at = k;
          break;
        }
      }
    }
    if (at < 0) {
      return `expected these lines${s === 0 && anchoredStart ? ' at the start' : isLast && anchoredEnd ? ' at the end' : ''}:\n${seg.join('\n')}\n--- got:\n${got.join('\n')}`;
    }
    pos = at + seg.length;
  }
  if (anchoredStart && anchoredEnd && segments.length === 1 && got.length !== want.length) {
    return `expected exactly:\n${want.join('\n')}\n--- got:\n${got.join('\n')}`;
  }
  return null;
}

export interface BlockResult {
  code: number;
  output: string;
  /** Why the block failed (exit code or output mismatch), or null. */
  failure: string | null;
}

/** Runs one block in the workspace: bash with -euo pipefail, TypeScript through swc (as Nx runs the plugin). */
export function runBlock(
  block: WalkthroughBlock,
  ws: TempWorkspace,
  index: number,
  doc = 'docs/walkthrough.md',
): BlockResult {
  const env = {
    ...ws.env,
    PATH: `${join(ws.root, 'node_modules/.bin')}:${process.env.PATH ?? ''}`,
    SWC_NODE_PROJECT: join(ws.root, 'tsconfig.json'),
  };
  let r;
  if (block.lang === 'bash') {
    // --norc: bash sources /etc/bash.bashrc even non-interactively when it thinks it was started by
    // sshd (stdin a socket), and that file trips over `set -u`.
    r = spawnSync('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', `exec 2>&1\n${block.code}`], {
      cwd: ws.root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
  } else {
    const dir = join(ws.root, 'tmp/walkthrough-blocks');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, `block-${index + 1}.ts`);
    writeFileSync(file, block.code);
    r = spawnSync(process.execPath, ['-r', join(ws.root, 'tools/dev/register.js'), file], {
      cwd: ws.root,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
  }
  const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
  const code = r.status ?? 1;
  const where = `${doc}:${block.line} (${block.lang} block ${index + 1})`;
  if (code !== 0) return { code, output, failure: `${where} exited with ${code}:\n${output}` };
  if (block.expected !== null) {
    const diff = matchOutput(block.expected, output);
    if (diff) return { code, output, failure: `${where}: its output no longer matches the doc; ${diff}` };
  }
  return { code, output, failure: null };
}
