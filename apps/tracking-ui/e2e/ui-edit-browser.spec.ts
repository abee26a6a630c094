// The runs UI's charts, previews and edits in headless Chromium, against a writable server whose
// writes go through its MLflow REST API (loopback, no tokens: same-origin writes are allowed).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '../src/server';
import { repoRoot, seedRuns } from '../src/test-fixtures';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot(), 'test-artifacts');
const NO_TOKENS = { read: [], write: [] };
const STEPS = 12;
const LRS = ['0.001', '0.003', '0.01', '0.03'];
const NOTE_TAG = 'mlflow.note.content';

/** A loss curve per learning rate: deterministic, distinct per run, so the chart's points are countable. */
function lossAt(lr: number, step: number): number {
  return Number((2 * Math.exp(-lr * 40 * (step + 1)) + 0.1 + lr).toFixed(4));
}

async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getElementById('app')?.getAttribute('data-ready') === (location.hash || '#/'),
  );
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `ui-${name}.png`), fullPage: true });
}

/** Minimal RFC 4180 reader for the exported file (quoted fields, doubled quotes, CRLF). */
function readCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += c;
  }
  return rows;
}

describe.skipIf(!fs.existsSync(CHROMIUM) && !process.env.CI)(
  'tracking UI edits and charts in Chromium',
  () => {
    let dir: string;
    let store: TrackingStore;
    let server: UiServer;
    let browser: Browser;
    let page: Page;
    const sweep: Array<{ runId: string; runName: string; lr: string }> = [];
    let hostileRunId: string;
    const problems: string[] = [];

    beforeAll(async () => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-edit-'));
      fs.mkdirSync(SHOTS, { recursive: true });
      store = openStore({
        root: dir,
        dbPath: path.join(dir, 'mlruns', 'tracking.db'),
        artifactRoot: path.join(dir, 'mlruns', 'artifacts'),
      });
      // A learning-rate sweep that logs loss and accuracy per step.
      for (const lr of LRS) {
        const info = store.createRun({ experiment: 'sweep-lr', runName: `lr-${lr}`, tags: { sweep: 'lr' } });
        store.logParams(info.runId, { lr, optimizer: 'sgd', n_estimators_per_boosting_round: 10 });
        for (let step = 0; step < STEPS; step++) {
          const loss = lossAt(Number(lr), step);
          store.logMetrics(info.runId, { loss, accuracy: Number((1 - loss / 3).toFixed(4)) }, step);
        }
        store.endRun(info.runId, 'FINISHED');
        sweep.push({ runId: info.runId, runName: info.runName, lr });
      }
      // Artifacts to preview, with payloads that must stay text.
      const files = path.join(dir, 'files');
      fs.mkdirSync(files);
      fs.writeFileSync(
        path.join(files, 'metrics.json'),
        JSON.stringify({ accuracy: 0.91, note: '<img src=x onerror=alert(11)>' }),
      );
      fs.writeFileSync(
        path.join(files, 'predictions.csv'),
        [
          'id,label,text',
          ...Array.from({ length: 40 }, (_, i) => `${i},${i % 3},"row ${i}, <b>bold</b>"`),
        ].join('\n'),
      );
      fs.writeFileSync(path.join(files, 'train.log'), 'epoch 1\n<script>alert(12)</script>\n');
      fs.writeFileSync(
        path.join(files, 'evil.svg'),
        '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="40" onload="alert(13)"><script>alert(14)</script><rect width="80" height="40" fill="#2563eb"/></svg>',
      );
      const hostile = store.createRun({
        experiment: 'sweep-lr',
        runName: 'hostile',
        tags: {
          [NOTE_TAG]:
            '# Result <script>alert(15)</script>\n\nSee **bold** and *it* with `code` and [bad](javascript:alert(16)) and [good](https://example.org/x).\n\n- <img src=x onerror=alert(17)>\n- two\n\n```\n<svg onload=alert(18)>\n```',
        },
      });
      hostileRunId = hostile.runId;
      for (const f of ['metrics.json', 'predictions.csv', 'train.log', 'evil.svg'])
        store.logArtifact(hostile.runId, path.join(files, f), `out/${f}`);
      store.logMetrics(hostile.runId, { loss: 1.5 }, 0);
      store.endRun(hostile.runId, 'FINISHED');
      seedRuns(store, dir, 9, 'wine-quality');
      // Runs whose points crowd together: their labels can't all fit without overlapping.
      for (let i = 0; i < 8; i++) {
        const r = store.createRun({ experiment: 'crowd', runName: `crowded-run-${i}` });
        store.logParams(r.runId, { batch: i % 2 === 0 ? 32 : 64 });
        // one outlier stretches the axis, so the other seven sit within a few pixels
        store.logMetrics(r.runId, { accuracy: i === 7 ? 0.5 : 0.9 + i * 0.001 });
        store.endRun(r.runId, 'FINISHED');
      }

      server = await startUiServer({ store, port: 0, writable: true, auth: NO_TOKENS });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
      const context = await browser.newContext({
        viewport: { width: 1360, height: 900 },
        acceptDownloads: true,
      });
      page = await context.newPage();
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('dialog', (d) => {
        problems.push(`dialog opened: ${d.message()}`);
        void d.dismiss();
      });
    });

    afterAll(async () => {
      await browser?.close();
      await server?.close();
      store?.close();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    it('serves uPlot from node_modules, byte for byte', async () => {
      const res = await fetch(`${server.url}static/vendor/uplot.js`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(
        fs.readFileSync(path.join(repoRoot(), 'node_modules/uplot/dist/uPlot.iife.min.js')),
      );
    });

    it('overlays the sweep’s metric histories on the compare page', async () => {
      const ids = sweep.map((r) => r.runId).join(',');
      await page.goto(`${server.url}#/compare?runs=${ids}`);
      await settled(page);
      const loss = page.locator('#history-charts .history-chart[data-metric="loss"]');
      // every run's every step came from metrics/get-history
      expect(await loss.getAttribute('data-points')).toBe(String(LRS.length * STEPS));
      expect(await loss.locator('canvas').count()).toBe(1);
      const legend = await loss.locator('.u-legend .u-series .u-label').allTextContents();
      expect(legend).toEqual(['step', ...sweep.map((r) => r.runName)]);
      // uPlot's cursor reads back the data it plotted: hover the last step and read each run's loss
      const over = loss.locator('.u-over');
      const legendAtLastStep = async () => {
        const box = (await over.boundingBox())!;
        await over.hover({ position: { x: box.width - 2, y: box.height / 2 } });
        const shown = await loss.locator('.u-legend .u-series .u-value').allTextContents();
        return shown.slice(1).map(Number);
      };
      await expect.poll(legendAtLastStep).toEqual(LRS.map((lr) => lossAt(Number(lr), STEPS - 1)));

      // parallel coordinates: the varying param and the colour metric as its last axis
      const kinds = await page.locator('#parallel-coords .axis-kind').allTextContents();
      const titles = await page.locator('#parallel-coords .axis-title').allTextContents();
      expect(titles).toEqual(['lr', 'accuracy']);
      expect(kinds).toEqual(['param', 'metric']);
      await shoot(page, 'history-compare');
    });

    it('shows a run’s own history, and the chart view across runs', async () => {
      await page.goto(`${server.url}#/run/${sweep[0].runId}`);
      await settled(page);
      expect(
        await page
          .locator('#history-charts .history-chart[data-metric="accuracy"]')
          .getAttribute('data-points'),
      ).toBe(String(STEPS));

      await page.goto(`${server.url}#/runs?experiment=sweep-lr`);
      await settled(page);
      await page.click('#view-chart');
      await settled(page);
      expect(page.url()).toContain('view=chart');
      expect(await page.locator('.bar-chart[data-metric="loss"] .bar').count()).toBe(LRS.length + 1);
      expect(
        await page.locator('#runs-charts .history-chart[data-metric="loss"]').getAttribute('data-points'),
      ).toBe(String(LRS.length * STEPS + 1));
      await shoot(page, 'chart-view');
    });

    it('edits, adds and deletes a tag through the MLflow API', async () => {
      const run = sweep[1];
      await page.goto(`${server.url}#/run/${run.runId}`);
      await settled(page);
      await page.click('#tags-table tr[data-key="sweep"] .tag-edit');
      expect(await page.inputValue('#tag-key')).toBe('sweep');
      await page.fill('#tag-value', 'lr-v2');
      await page.click('#set-tag');
      await settled(page);
      await expect.poll(() => page.textContent('#tags-table tr[data-key="sweep"] td.val')).toBe('lr-v2');
      expect(store.getRun(run.runId).tags.sweep).toBe('lr-v2');

      await page.fill('#tag-key', 'stage');
      await page.fill('#tag-value', 'candidate');
      await page.press('#tag-value', 'Enter');
      await settled(page);
      await expect.poll(() => store.getRun(run.runId).tags.stage).toBe('candidate');
      await shoot(page, 'tags');
      await page.click('#tags-table tr[data-key="stage"] .tag-delete');
      await settled(page);
      await expect.poll(() => page.locator('#tags-table tr[data-key="stage"]').count()).toBe(0);
      expect(store.getRun(run.runId).tags.stage).toBeUndefined();
    });

    it('writes a markdown description and renders it as text-built elements', async () => {
      const run = sweep[2];
      await page.goto(`${server.url}#/run/${run.runId}`);
      await settled(page);
      await page.click('#edit-description');
      await page.fill('#description-input', '## Best so far\n\nLower **lr** <img src=x onerror=alert(19)>');
      await page.click('#save-description');
      await settled(page);
      await expect.poll(() => page.textContent('#description h4')).toBe('Best so far');
      expect(await page.textContent('#description strong')).toBe('lr');
      expect(await page.textContent('#description p')).toBe('Lower lr <img src=x onerror=alert(19)>');
      expect(await page.locator('#description img').count()).toBe(0);
      expect(store.getRun(run.runId).tags[NOTE_TAG]).toBe(
        '## Best so far\n\nLower **lr** <img src=x onerror=alert(19)>',
      );
    });

    it('renders a hostile description and hostile artifacts as text (no script runs)', async () => {
      await page.goto(`${server.url}#/run/${hostileRunId}`);
      await settled(page);
      expect(await page.textContent('#description h3')).toBe('Result <script>alert(15)</script>');
      expect(
        await page.locator('#description a').evaluateAll((as) => as.map((a) => a.getAttribute('href'))),
      ).toEqual(['https://example.org/x']);
      expect(await page.textContent('#description')).toContain('[bad](javascript:alert(16))');
      expect(await page.locator('#description li').allTextContents()).toEqual([
        '<img src=x onerror=alert(17)>',
        'two',
      ]);
      expect(await page.textContent('#description pre')).toBe('<svg onload=alert(18)>');
      expect(await page.locator('#description script, #description img, #description svg').count()).toBe(0);

      await page.click('#artifacts-table tr[data-path="out/metrics.json"] .preview-btn');
      await expect
        .poll(() => page.textContent('#artifact-preview pre[data-kind="json"]'))
        .toBe('{\n  "accuracy": 0.91,\n  "note": "<img src=x onerror=alert(11)>"\n}');
      await page.click('#artifacts-table tr[data-path="out/predictions.csv"] .preview-btn');
      await expect.poll(() => page.locator('#artifact-preview .preview-csv tbody tr').count()).toBe(20);
      expect(await page.locator('#artifact-preview .preview-csv th').allTextContents()).toEqual([
        'id',
        'label',
        'text',
      ]);
      expect(
        await page.locator('#artifact-preview .preview-csv tbody tr').nth(3).locator('td').allTextContents(),
      ).toEqual(['3', '0', 'row 3, <b>bold</b>']);
      await page.click('#artifacts-table tr[data-path="out/train.log"] .preview-btn');
      await expect
        .poll(() => page.textContent('#artifact-preview pre'))
        .toBe('epoch 1\n<script>alert(12)</script>\n');
      await page.click('#artifacts-table tr[data-path="out/evil.svg"] .preview-btn');
      const img = page.locator('#artifact-preview img.preview-img');
      await expect
        .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth))
        .toBe(80);
      expect(await page.locator('main script, main b, main svg:not(.chart)').count()).toBe(0);
      await shoot(page, 'preview');
    });

    it('deletes a run, finds it in the deleted view, and restores it', async () => {
      const run = sweep[3];
      await page.goto(`${server.url}#/run/${run.runId}`);
      await settled(page);
      await page.click('#delete-run');
      await settled(page);
      await expect.poll(() => page.textContent('#deleted-badge')).toBe('DELETED');
      expect(store.getRun(run.runId).info.lifecycleStage).toBe('deleted');
      // a deleted run can't be edited until restored
      expect(await page.locator('#tag-form, #edit-description').count()).toBe(0);

      await page.goto(`${server.url}#/runs?experiment=sweep-lr`);
      await settled(page);
      const names = () => page.locator('#runs-table tbody .run-name').allTextContents();
      expect(await names()).not.toContain(run.runName);
      await page.click('#toggle-deleted');
      await settled(page);
      expect(page.url()).toContain('lifecycle=deleted');
      expect(await names()).toEqual([run.runName]);
      await shoot(page, 'deleted');
      await page.click('#runs-table .run-name');
      await settled(page);
      await page.click('#restore-run');
      await settled(page);
      await expect.poll(() => page.locator('#delete-run').count()).toBe(1);
      expect(store.getRun(run.runId).info.lifecycleStage).toBe('active');
    });

    it('exports the filtered table as CSV with the shown columns', async () => {
      const filter = 'metrics.loss < 0.6';
      await page.goto(
        `${server.url}#/runs?experiment=sweep-lr&filter=${encodeURIComponent(filter)}&order_by=${encodeURIComponent('params.lr ASC')}&col=metrics.loss&col=params.lr&col=tags.sweep`,
      );
      await settled(page);
      const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-csv')]);
      expect(download.suggestedFilename()).toBe('sweep-lr.csv');
      const file = path.join(SHOTS, 'ui-export.csv');
      await download.saveAs(file);
      const rows = readCsv(fs.readFileSync(file, 'utf8'));
      expect(rows[0]).toEqual([
        'run_id',
        'run_name',
        'experiment',
        'status',
        'start_time',
        'end_time',
        'metrics.loss',
        'params.lr',
        'tags.sweep',
      ]);
      // the store decides independently which runs match
      const expected = store
        .searchRuns({ experiments: ['sweep-lr'], filter, orderBy: ['params.lr ASC'] })
        .runs.map((r) => [
          r.info.runId,
          r.info.runName,
          String(r.metrics.loss),
          r.params.lr,
          r.tags.sweep ?? '',
        ]);
      expect(expected.length).toBeGreaterThan(1);
      expect(rows.slice(1).map((r) => [r[0], r[1], r[6], r[7], r[8]])).toEqual(expected);
      expect(rows.slice(1).every((r) => r[2] === 'sweep-lr' && r[3] === 'FINISHED')).toBe(true);
    });

    it('places scatter labels without overlaps and keeps param names whole', async () => {
      for (const [experiment, x] of [
        ['wine-quality', 'test_size'],
        ['crowd', 'batch'],
      ]) {
        const ids = store.searchRuns({ experiments: [experiment] }).runs.map((r) => r.info.runId);
        await page.goto(`${server.url}#/compare?runs=${ids.join(',')}&x=${x}&y=accuracy`);
        await settled(page);
        const boxes = await page
          .locator('#scatter .pt-label')
          .evaluateAll((ts) =>
            ts.map((t) => (t as SVGGraphicsElement).getBBox()).map((b) => [b.x, b.y, b.width, b.height]),
          );
        expect(boxes.length, experiment).toBeGreaterThan(1);
        for (let i = 0; i < boxes.length; i++)
          for (let j = i + 1; j < boxes.length; j++) {
            const [ax, ay, aw, ah] = boxes[i];
            const [bx, by, bw, bh] = boxes[j];
            expect(
              ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah,
              `${experiment}: labels ${i} and ${j}`,
            ).toBe(false);
          }
        // every point keeps its tooltip, labelled or not
        expect(await page.locator('#scatter circle title').count()).toBe(
          experiment === 'crowd' ? 8 : ids.length - 1,
        );
      }
      await shoot(page, 'scatter');

      // A long param name in a narrow column wraps only between words: each word on one line.
      await page.setViewportSize({ width: 480, height: 900 });
      await page.goto(`${server.url}#/run/${sweep[0].runId}`);
      await settled(page);
      const lines = await page.locator('#params-table th').evaluateAll((ths) =>
        ths.map((th) => {
          const range = document.createRange();
          range.selectNodeContents(th);
          const text = th.textContent ?? '';
          // the rects of each character: a word split over lines has characters on two rows
          const tops = new Set<number>();
          for (let i = 0; i < text.length; i++) {
            range.setStart(th.firstChild!, i);
            range.setEnd(th.firstChild!, i + 1);
            tops.add(Math.round(range.getBoundingClientRect().top));
          }
          return [text, tops.size];
        }),
      );
      expect(lines).toEqual([
        ['lr', 1],
        ['n_estimators_per_boosting_round', 1],
        ['optimizer', 1],
      ]);
      await page.setViewportSize({ width: 1360, height: 900 });
    });

    it('follows prefers-color-scheme: dark', async () => {
      await page.emulateMedia({ colorScheme: 'dark' });
      await page.goto(`${server.url}#/compare?runs=${sweep.map((r) => r.runId).join(',')}`);
      await settled(page);
      const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
      expect(bg).toBe('rgb(18, 20, 26)');
      await shoot(page, 'dark');
      await page.emulateMedia({ colorScheme: 'light' });
      await page.reload();
      expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).toBe(
        'rgb(246, 247, 249)',
      );
    });

    it('offers no edits on a read-only server, which refuses writes anyway', async () => {
      const reader = await startUiServer({ store, port: 0, auth: NO_TOKENS });
      try {
        await page.goto(`${reader.url}#/run/${sweep[0].runId}`);
        await settled(page);
        expect(await page.locator('#delete-run, #tag-form, #edit-description').count()).toBe(0);
        const status = await page.evaluate(async (runId) => {
          const res = await fetch('/api/2.0/mlflow/runs/delete', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ run_id: runId }),
          });
          return res.status;
        }, sweep[0].runId);
        expect(status).toBe(403);
        expect(store.getRun(sweep[0].runId).info.lifecycleStage).toBe('active');
      } finally {
        await reader.close();
      }
      // the refused fetch logs one failed resource load; nothing else went wrong
      expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
    });

    it('raised no script errors, CSP violations or dialogs', () => {
      expect(problems.filter((p) => !p.includes('status of 403'))).toEqual([]);
    });
  },
);
