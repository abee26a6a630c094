import { describe, expect, it } from 'vitest';
import { plotsCli } from '../plots/plots-cli';
import { captureIo, makeTempDir, makeWorkspace } from '../testing/io';
import { metricsCli } from './metrics-cli';

describe('metricsCli', () => {
  it('usage errors exit 2 with one line', async () => {
    const cases: Array<[string[], string]> = [
      [['diff', 'a', 'b', 'c'], 'at most two revisions: [<base-rev>] [<head-rev>]'],
      [['diff', '--json', '--md'], '--json and --md exclude each other'],
      [['show'], "unknown command 'show'; use diff"],
    ];
    for (const [args, message] of cases) {
      const c = captureIo(makeWorkspace({ 'nx.json': '{}' }));
      expect(await metricsCli(args, c.io)).toBe(2);
      expect(c.stderr()).toBe(`cellar metrics: ${message}\n`);
    }
  });

  it('outside an Nx workspace it says so', async () => {
    const dir = makeTempDir();
    const c = captureIo(dir);
    expect(await metricsCli(['diff'], c.io)).toBe(2);
    expect(c.stderr()).toBe(
      `cellar metrics: no nx.json in ${dir} or above: run cellar inside an Nx workspace\n`,
    );
  });

  it('outside a git repository it says revisions need one', async () => {
    const root = makeWorkspace({ 'nx.json': '{}' });
    const c = captureIo(root);
    expect(await metricsCli(['diff', 'no-such-rev'], c.io)).toBe(1);
    expect(c.stderr()).toBe(
      `cellar metrics: ${root} is not in a git repository: revisions can only be compared in a git checkout\n`,
    );
  });

  it('plots takes at most two revisions', async () => {
    const c = captureIo(makeWorkspace({ 'nx.json': '{}' }));
    expect(await plotsCli(['a', 'b', 'c'], c.io)).toBe(2);
    expect(c.stderr()).toBe('cellar plots: at most two revisions: [<base-rev> [<head-rev>]]\n');
  });
});
