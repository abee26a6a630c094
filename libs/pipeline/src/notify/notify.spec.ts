import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EvaluationReport } from '../evaluate/evaluate';
import { wineWorkspace } from '../testing/wine-workspace';
import { pipelineSummary } from './notify';
import { formatSummary, summarize } from './summary';
import { postWebhook } from './webhook';

const scores = (f1: number) => ({ precision: f1, recall: f1, f1_score: f1, support: 10 });
const report = {
  model_type: 'logreg',
  config_hash: 'c',
  data_md5: 'd',
  n_test: 20,
  accuracy: 0.65,
  classification_report: {
    '5': scores(0.7),
    '6': scores(0.5),
    macro_avg: scores(0.6),
    weighted_avg: scores(0.6),
  },
  confusion_matrix: {
    labels: [5, 6],
    matrix: [
      [7, 3],
      [4, 6],
    ],
  },
} as EvaluationReport;
const files = {
  model: 'apps/p/model.json',
  report: 'apps/p/reports/r.json',
  confusion_matrix: 'apps/p/reports/c.svg',
};

describe('summary', () => {
  it('is the headline numbers and the files, printed in five lines', () => {
    const s = summarize('p', report, files);
    expect(s).toEqual({
      pipeline: 'p',
      model_type: 'logreg',
      accuracy: 0.65,
      f1_macro: 0.6,
      f1_per_class: { '5': 0.7, '6': 0.5 },
      n_test: 20,
      files,
    });
    expect(formatSummary(s)).toBe(
      [
        '■ p (logreg)  accuracy 0.6500  macro F1 0.6000  on 20 held-out rows',
        '  F1 per class  5: 0.70  6: 0.50',
        '  model         apps/p/model.json',
        '  report        apps/p/reports/r.json',
        '  confusion     apps/p/reports/c.svg',
      ].join('\n'),
    );
  });

  it('a missing report is one line that says which target to run', () => {
    const ws = wineWorkspace();
    try {
      const pipeline = ws.addPipeline('p', 'logreg');
      expect(() => pipelineSummary({ root: ws.root, project: 'p', projectRoot: 'apps/p', pipeline })).toThrow(
        expect.objectContaining({
          code: 'REPORT_MISSING',
          message: expect.stringMatching(
            /^apps\/p\/reports\/metrics_detailed\.json is missing or unreadable \(.*\): run the evaluate target$/,
          ),
        }),
      );
    } finally {
      ws.dispose();
    }
  });
});

describe('postWebhook', () => {
  const bodies: unknown[] = [];
  let status = 200;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      bodies.push(JSON.parse(body));
      res.writeHead(status).end();
    });
  });
  let url = '';
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=secret`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('POSTs the summary as a pipeline.finished event; a refusal names the host, never the token', async () => {
    const s = summarize('p', report, files);
    await postWebhook(url, s);
    expect(bodies).toEqual([{ event: 'pipeline.finished', ...s }]);
    status = 500;
    const err = await postWebhook(url, s).catch((e: Error) => e);
    expect(err).toMatchObject({
      code: 'WEBHOOK_FAILED',
      message: expect.stringMatching(/^webhook 127\.0\.0\.1:\d+ answered HTTP 500: /),
    });
    expect((err as Error).message).not.toContain('secret');
    await expect(postWebhook('not a url', s)).rejects.toMatchObject({
      code: 'WEBHOOK_URL',
      message: 'notify.webhook_url is not a valid URL',
    });
  });
});
