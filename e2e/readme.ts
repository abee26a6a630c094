// README.md sections that tests run, so the docs and the tests cannot drift apart.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from './workspace';

/** The text under `## <heading>` up to the next `## `, and the 1-based README line it starts on. */
export function readmeSection(heading: string): { text: string; firstLine: number } {
  const lines = readFileSync(join(REPO, 'README.md'), 'utf8').split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start < 0) throw new Error(`README.md has no '## ${heading}' section`);
  let end = start + 1;
  while (end < lines.length && !lines[end].startsWith('## ')) end += 1;
  return { text: lines.slice(start + 1, end).join('\n'), firstLine: start + 2 };
}

/** The first bash block under the README heading, one command per line. */
export function readmeCommands(heading: string): string[] {
  const block = /```bash\n([\s\S]*?)```/.exec(readmeSection(heading).text);
  if (!block) throw new Error(`README.md '## ${heading}' has no bash block`);
  return block[1]
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}
