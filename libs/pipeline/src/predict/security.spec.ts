// The predict surface with awkward but legitimate inputs (issue 8, case 6): real files in a temporary
// workspace, a real trained model.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, wineWorkspace } from '../testing/wine-workspace';
import { trainPipeline } from '../train/train';
import { predictPipeline, type PredictStageOptions } from './predict';

const OUTPUT = 'apps/wine-logreg/predictions/predictions.csv';
const PULL_HINT = "run 'npx nx run data:pull' (or 'npx cellar data pull') to fetch it";

describe('predict: inputs, paths and outputs', () => {
  const ws = wineWorkspace();
  const outside = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-predict-outside-'));
  let pipeline: string;
  const wine = () => fs.readFileSync(path.join(ws.root, 'data/external/WineQT.csv'), 'utf8');
  const predict = (extra: Partial<PredictStageOptions> = {}) =>
    predictPipeline({ root: ws.root, projectRoot: 'apps/wine-logreg', pipeline, output: OUTPUT, ...extra });
  const outputLines = () => fs.readFileSync(path.join(ws.root, OUTPUT), 'utf8').trim().split('\n');
  /** The first `rows` wine rows with a text column `name` put first and the Id column rewritten. */
  const withText = (rows: number, id: (i: number) => string) => {
    const [header, ...body] = wine()
      .trim()
      .split(/\r?\n/)
      .slice(0, rows + 1);
    const cols = header.split(',');
    const idAt = cols.indexOf('Id');
    return [
      `name,${header}`,
      ...body.map((line, i) => {
        const cells = line.split(',');
        cells[idAt] = id(i);
        return `"Chateau X, ${i}",${cells.join(',')}`;
      }),
    ].join('\n');
  };

  beforeAll(async () => {
    pipeline = ws.addPipeline('wine-logreg', 'logreg');
    await trainPipeline({
      root: ws.root,
      project: 'wine-logreg',
      projectRoot: 'apps/wine-logreg',
      pipeline,
      track: false,
    });
  });
  afterAll(() => {
    ws.dispose();
    fs.rmSync(outside, { recursive: true, force: true });
  });

  it('scores a CSV with extra text columns the model does not use; a text Id passes through', async () => {
    ws.write(
      'score/named.csv',
      withText(3, (i) => `wine-${i}`),
    );
    const r = await predict({ input: 'score/named.csv' });
    expect(r).toEqual({ input: 'score/named.csv', output: OUTPUT, rows: 3 });
    const lines = outputLines();
    expect(lines[0]).toBe('Id,prediction,proba_3,proba_4,proba_5,proba_6,proba_7,proba_8');
    expect(lines.map((l) => l.split(',')[0])).toEqual(['Id', 'wine-0', 'wine-1', 'wine-2']);
  });

  it('an Id with a comma or quote is quoted in the output, not split', async () => {
    ws.write(
      'score/odd-ids.csv',
      withText(2, (i) => (i === 0 ? '"a,b"' : '"say ""hi"""')),
    );
    await predict({ input: 'score/odd-ids.csv' });
    const lines = outputLines();
    expect(lines[1]).toMatch(/^"a,b",[3-8],/);
    expect(lines[2]).toMatch(/^"say ""hi""",[3-8],/);
  });

  it('text in a feature column is still refused, naming the row and column', async () => {
    const lines = wine().split('\n');
    const cells = lines[3].split(',');
    cells[8] = 'Chateau X'; // pH, a feature
    lines[3] = cells.join(',');
    ws.write('score/bad-feature.csv', lines.join('\n'));
    await expect(predict({ input: 'score/bad-feature.csv' })).rejects.toThrow(
      "score/bad-feature.csv: row 3 (line 4), column 'pH': 'Chateau X' is not a number",
    );
  });

  it('a missing feature column names the file and the column', async () => {
    ws.write('score/no-ph.csv', 'alcohol,Id\n9.4,0\n');
    await expect(predict({ input: 'score/no-ph.csv' })).rejects.toThrow(
      "score/no-ph.csv: missing column 'fixed acidity' (columns: alcohol, Id)",
    );
  });

  it('uses an absolute --input as it is, outside the workspace too', async () => {
    const file = path.join(outside, 'to-score.csv');
    fs.writeFileSync(file, wine().trim().split('\n').slice(0, 6).join('\n') + '\n');
    const r = await predict({ input: file });
    expect(r).toEqual({ input: file, output: OUTPUT, rows: 5 });
    expect(outputLines()).toHaveLength(6);
  });

  it('writes to an absolute --output as it is', async () => {
    const output = path.join(outside, 'out/predictions.csv');
    const r = await predict({ input: 'data/external/WineQT.csv', output });
    expect(r).toEqual({ input: 'data/external/WineQT.csv', output, rows: 1143 });
    expect(fs.readFileSync(output, 'utf8').trim().split('\n')).toHaveLength(1144);
  });

  it('a missing input says it does not exist, with no data pull hint', async () => {
    const file = path.join(outside, 'nope.csv');
    await expect(predict({ input: file })).rejects.toMatchObject({
      code: 'INPUT_MISSING',
      message: `${file} does not exist`,
    });
    await expect(predict({ input: 'score/nope.csv' })).rejects.toMatchObject({
      code: 'INPUT_MISSING',
      message: 'score/nope.csv does not exist',
    });
  });

  it('a missing tracked dataset (by default, by relative or absolute path) hints at data pull', async () => {
    const data = path.join(ws.root, 'data/external/WineQT.csv');
    const saved = fs.readFileSync(data);
    fs.rmSync(data);
    try {
      for (const input of [undefined, 'data/external/WineQT.csv', './data/external/WineQT.csv', data]) {
        await expect(predict({ input })).rejects.toMatchObject({
          code: 'DATA_MISSING',
          message: `data/external/WineQT.csv does not exist: ${PULL_HINT}`,
        });
      }
    } finally {
      fs.writeFileSync(data, saved);
    }
  });

  // The init generator writes the same line for other workspaces (libs/nx/src/generators/init).
  it('the predictions folder is git-ignored in this repository', () => {
    const ignored = (file: string) => {
      try {
        execFileSync('git', ['check-ignore', '-q', '--no-index', file], { cwd: REPO_ROOT, stdio: 'pipe' });
        return true;
      } catch {
        return false;
      }
    };
    expect(ignored('apps/wine-logreg/predictions/predictions.csv')).toBe(true);
    expect(ignored('apps/wine-logreg/pipeline.yaml')).toBe(false);
  });
});
