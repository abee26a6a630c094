import { describe, expect, it } from 'vitest';
import { ArchiveRules, quoteName, type EntryHeader } from './entry-rules';

/** The first violation over `headers`, then the end-of-archive checks. */
function firstProblem(headers: EntryHeader[]): string | undefined {
  const rules = new ArchiveRules();
  for (const h of headers) {
    const problem = rules.check(h);
    if (problem !== undefined) return problem;
  }
  return rules.finish();
}

const file = (name: string): EntryHeader => ({ name, type: 'file' });
const dir = (name: string): EntryHeader => ({ name, type: 'directory' });
const symlink = (name: string, linkname: string): EntryHeader => ({ name, type: 'symlink', linkname });

describe('ArchiveRules', () => {
  it('accepts what Nx and tar write: ./ prefixes, the root folder, links inside, contiguous files', () => {
    expect(
      firstProblem([
        dir('./'),
        dir('./proj/out/'),
        file('./proj/out/a.js'),
        { name: 'proj/out/b.bin', type: 'contiguous-file' },
        symlink('proj/out/latest', 'a.js'),
        symlink('proj/out/src', '../src'),
        symlink('proj/out/here', '.'),
        { name: 'proj/out/same.js', type: 'link', linkname: './proj/out/a.js' },
        file('terminalOutput'),
        file('code'),
      ]),
    ).toBeUndefined();
  });

  it('names the entry and the rule it breaks', () => {
    const cases: [EntryHeader[], string][] = [
      [[file('..\\x')], "tar entry '..\\x' has a '..' component; entries must stay inside the workspace"],
      [
        [file('C:/Windows/x')],
        "tar entry 'C:/Windows/x' is an absolute path; entries must be relative to the workspace root",
      ],
      [
        [file('./')],
        "tar entry './' has an empty path; every entry needs a path relative to the workspace root",
      ],
      [
        [file('a/x'), symlink('a', '.')],
        "tar entry 'a' is a symlink over the folder of earlier entries; an archive must not write through its own links",
      ],
      [
        [symlink('a', 'b'), dir('a')],
        "tar entry 'a' is a folder over an earlier symlink; an archive must not write through its own links",
      ],
      [
        [symlink('a/l', '../../x')],
        "tar entry 'a/l' is a symlink to '../../x', which leads outside the workspace; links must stay inside the workspace",
      ],
      [
        [symlink('l2', 'l1/..'), symlink('l1', '.')],
        "tar entry 'l2' is a symlink to 'l1/..', which steps back out of the symlink 'l1'; links must stay inside the workspace",
      ],
      [
        [{ name: 'x', type: 'link', linkname: '/etc/passwd' }],
        "tar entry 'x' is a hard link to '/etc/passwd', not to a file stored earlier in this archive; hard links must name such a file",
      ],
      [
        [{ name: 'x', type: 'gnu-long-path' }],
        "tar entry 'x' is an entry of type 'gnu-long-path'; only files, directories and links are allowed",
      ],
      [[], "tar archive has no entries; Nx uploads at least 'terminalOutput' and 'code'"],
    ];
    for (const [headers, message] of cases) expect(firstProblem(headers), message).toBe(message);
  });

  it('quotes names on one line', () => {
    expect(quoteName('a\nb\u0000c')).toBe("'a?b?c'");
    expect(quoteName('x'.repeat(200))).toBe(`'${'x'.repeat(157)}...'`);
  });
});
