import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type TrackingStore } from '@cellar/tracking';
import { startUiServer, type UiServer } from '../src/server';
import { repoRoot, seedRuns, type SeededRun } from '../src/test-fixtures';
import { runKilledInChild } from '../src/testing/dead-run';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SHOTS = path.join(repoRoot(), 'test-artifacts');
const FILTER = "metrics.accuracy > 0.6 and (tags.algorithm = 'logreg' or tags.algorithm = 'random_forest')";
const XSS_NAME = '<img src=x onerror=alert(1)>';

async function rowNames(page: Page): Promise<string[]> {
  return page.locator('#runs-table tbody tr .run-name').allTextContents();
}

/** Waits until the page has drawn the view its URL names (the app sets data-ready to the hash). */
async function settled(page: Page): Promise<void> {
  await page.waitForFunction(
    () => document.getElementById('app')?.getAttribute('data-ready') === (location.hash || '#/'),
  );
}

async function shoot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `ui-${name}.png`), fullPage: true });
}

// Skipped on a laptop without Chromium; CI installs it, so there a missing browser fails the run.
describe.skipIf(!fs.existsSync(CHROMIUM) && !process.env.CI)('tracking UI in headless Chromium', () => {
  let dir: string;
  let store: TrackingStore;
  let server: UiServer;
  let browser: Browser;
  let page: Page;
  let seeded: SeededRun[];
  const problems: string[] = [];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-e2e-'));
    fs.mkdirSync(SHOTS, { recursive: true });
    store = openStore({
      root: dir,
      dbPath: path.join(dir, 'mlruns', 'tracking.db'),
      artifactRoot: path.join(dir, 'mlruns', 'artifacts'),
    });
    seeded = seedRuns(store, dir, 20, 'wine-quality');
    seedRuns(store, dir, 45, 'sweep-C');
    const hostile = store.createRun({
      experiment: 'hostile <b onmouseover=alert(4)>names',
      runName: XSS_NAME,
      tags: { note: '<script>alert(2)</script>' },
    });
    store.logParams(hostile.runId, { '"><svg onload=alert(3)>': '<i>x</i>' });
    store.endRun(hostile.runId, 'KILLED');
    server = await startUiServer({ store, port: 0 });
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
    page = await browser.newPage({ viewport: { width: 1360, height: 860 } });
    // CSP violations and script errors surface here; any of them fails the suite.
    page.on('console', (m) => {
      if (
        m.type() === 'error' &&
        !m.text().includes('Failed to load resource: the server responded with a status of 400')
      )
        problems.push(m.text());
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

  it('lists experiments with run counts', async () => {
    await page.goto(server.url);
    await settled(page);
    const rows = await page.locator('#experiments-table tbody tr').evaluateAll((trs) =>
      trs.map((tr) =>
        Array.from(tr.querySelectorAll('td'))
          .slice(0, 2)
          .map((td) => td.textContent),
      ),
    );
    expect(rows.map((r) => r.join(':')).sort()).toEqual([
      'hostile <b onmouseover=alert(4)>names:1',
      'sweep-C:45',
      'wine-quality:20',
    ]);
    await shoot(page, 'experiments');
  });

  it('pages through all runs, 50 at a time', async () => {
    await page.click('text=All runs');
    await settled(page);
    await expect.poll(() => page.textContent('#page-info')).toBe('Page 1 of 2 · 66 runs');
    expect(await page.locator('#runs-table tbody tr').count()).toBe(50);
    await page.click('#next-page');
    await settled(page);
    await expect.poll(() => page.textContent('#page-info')).toBe('Page 2 of 2 · 66 runs');
    expect(await page.locator('#runs-table tbody tr').count()).toBe(16);
    expect(await page.isDisabled('#next-page')).toBe(true);
    expect(page.url()).toContain('page=2');
  });

  it('shows hostile strings as text, never as markup', async () => {
    await page.goto(
      `${server.url}#/runs?experiment=${encodeURIComponent('hostile <b onmouseover=alert(4)>names')}&col=tags.note`,
    );
    await settled(page);
    expect(await rowNames(page)).toEqual([XSS_NAME]);
    expect(await page.textContent('h1')).toBe('hostile <b onmouseover=alert(4)>names');
    expect(await page.locator('#runs-table td[data-col="tags.note"]').textContent()).toBe(
      '<script>alert(2)</script>',
    );
    expect(await page.locator('main img, main b, main script').count()).toBe(0);
    await page.click('.run-name');
    await settled(page);
    expect(await page.textContent('#params-table th')).toBe('"><svg onload=alert(3)>');
    expect(await page.locator('main svg, main i').count()).toBe(0);
  });

  it('filters, sorts, and compares runs', async () => {
    await page.goto(`${server.url}#/runs?experiment=wine-quality`);
    await settled(page);
    expect((await rowNames(page)).length).toBe(20);

    await page.fill('#filter-input', FILTER);
    await page.press('#filter-input', 'Enter');
    await settled(page);
    const expected = seeded.filter((r) => r.metrics.accuracy > 0.6 && r.algorithm !== 'knn');
    await expect.poll(() => page.locator('#runs-table tbody tr').count()).toBe(expected.length);
    expect((await rowNames(page)).sort()).toEqual(expected.map((r) => r.runName).sort());
    expect(decodeURIComponent(new URL(page.url()).hash.replace(/\+/g, ' '))).toContain(`filter=${FILTER}`);
    await expect.poll(() => page.textContent('#page-info')).toBe(`Page 1 of 1 · ${expected.length} runs`);

    await page.click('th[data-col="metrics.accuracy"] button');
    await settled(page);
    const desc = [...expected].sort((a, b) => b.metrics.accuracy - a.metrics.accuracy).map((r) => r.runName);
    await expect.poll(() => rowNames(page)).toEqual(desc);
    expect(page.url()).toContain('order_by=metrics.accuracy+DESC');
    await page.click('th[data-col="metrics.accuracy"] button');
    await settled(page);
    await expect.poll(() => rowNames(page)).toEqual([...desc].reverse());
    expect(await page.getAttribute('th[data-col="metrics.accuracy"]', 'aria-sort')).toBe('ascending');
    await shoot(page, 'runs');

    // The filter and order survive a reload: the URL holds the state.
    await page.reload();
    await settled(page);
    await expect.poll(() => rowNames(page)).toEqual([...desc].reverse());
    expect(await page.inputValue('#filter-input')).toBe(FILTER);

    // Two runs that differ in algorithm but share test_size.
    const a = expected.find((r) => r.algorithm === 'logreg')!;
    const b = expected.find(
      (r) => r.algorithm === 'random_forest' && r.params.test_size === a.params.test_size,
    )!;
    expect(await page.isDisabled('#compare-btn')).toBe(true);
    await page.check(`tr[data-run-id="${a.runId}"] .row-check`);
    expect(await page.isDisabled('#compare-btn')).toBe(true);
    await page.check(`tr[data-run-id="${b.runId}"] .row-check`);
    expect(await page.isDisabled('#compare-btn')).toBe(false);
    await page.click('#compare-btn');
    await settled(page);

    await settled(page);
    expect(await page.locator('#compare-table thead .run-name').allTextContents()).toEqual([
      a.runName,
      b.runName,
    ]);
    expect(await page.getAttribute('#compare-table tr[data-key="params.model"]', 'class')).toBe('diff');
    expect(await page.locator('#compare-table tr[data-key="params.model"] td').allTextContents()).toEqual([
      'logreg',
      'random_forest',
    ]);
    expect(await page.getAttribute('#compare-table tr[data-key="params.test_size"]', 'class')).toBe('');
    expect(await page.locator('#parallel-coords polyline').count()).toBe(2);
    expect(await page.locator('#scatter circle').count()).toBe(2);
    await shoot(page, 'compare');

    expect(await page.inputValue('#x-select')).toBe('seed');
    await page.selectOption('#x-select', 'model');
    await settled(page);
    await expect.poll(() => page.locator('#scatter .axis-title').first().textContent()).toBe('model');
    expect(await page.locator('#scatter circle').count()).toBe(2);
    await page.check('#only-diff');
    await settled(page);
    await expect.poll(() => page.locator('#compare-table tr[data-key="params.test_size"]').count()).toBe(0);
    expect(await page.locator('#parallel-coords polyline').count()).toBe(2);

    // The run page shows the confusion matrix inline.
    await page.click(`#compare-table thead a:text-is("${a.runName}")`);
    await settled(page);
    const img = page.locator('img.artifact-img');
    await expect
      .poll(() => img.evaluate((el: HTMLImageElement) => el.complete && el.naturalWidth))
      .toBeGreaterThan(100);
    expect(await img.getAttribute('alt')).toBe('reports/confusion_matrix.svg');
    expect(await page.getAttribute('a.artifact-link', 'href')).toBe(
      `/api/runs/${a.runId}/artifacts/reports/confusion_matrix.svg`,
    );
    expect(await page.textContent('#metrics-table')).toContain('accuracy');
    await shoot(page, 'run');
  });

  it('picks columns with checkboxes and keeps them in the URL', async () => {
    await page.goto(`${server.url}#/runs?experiment=wine-quality`);
    await settled(page);
    expect(await page.getAttribute('th[data-col="start"]', 'aria-sort')).toBe('descending');
    const headers = () =>
      page
        .locator(
          '#runs-table thead th[data-col^="metrics."], #runs-table thead th[data-col^="params."], #runs-table thead th[data-col^="tags."]',
        )
        .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-col')));
    expect(await headers()).toEqual([
      'metrics.accuracy',
      'metrics.f1_macro',
      'params.C',
      'params.model',
      'params.n_estimators',
      'params.n_neighbors',
      'params.seed',
      'params.test_size',
      'tags.algorithm',
    ]);
    await page.click('.col-picker summary');
    await page.uncheck('.picker-panel input[value="metrics.f1_macro"]');
    await settled(page);
    await expect.poll(headers).not.toContain('metrics.f1_macro');
    await page.uncheck('.picker-panel input[value="params.seed"]');
    await settled(page);
    await page.uncheck('.picker-panel input[value="params.n_neighbors"]');
    await settled(page);
    await expect
      .poll(headers)
      .toEqual([
        'metrics.accuracy',
        'params.C',
        'params.model',
        'params.n_estimators',
        'params.test_size',
        'tags.algorithm',
      ]);
    expect(await page.isVisible('.picker-panel')).toBe(true);
    await shoot(page, 'columns');
    await page.reload();
    await settled(page);
    expect(await headers()).toEqual([
      'metrics.accuracy',
      'params.C',
      'params.model',
      'params.n_estimators',
      'params.test_size',
      'tags.algorithm',
    ]);
  });

  it('shows a bad filter under the box with a caret at the column', async () => {
    await page.goto(`${server.url}#/runs?experiment=wine-quality`);
    await settled(page);
    await page.fill('#filter-input', "metrics.accuracy > 0.6 annd tags.x = 'a'");
    await page.press('#filter-input', 'Enter');
    await settled(page);
    expect(await page.textContent('#filter-error')).toContain('column 24');
    expect(await page.textContent('#filter-error .caret')).toBe(
      `metrics.accuracy > 0.6 annd tags.x = 'a'\n${' '.repeat(23)}^`,
    );
    expect(await page.locator('#runs-table').count()).toBe(0);
    await shoot(page, 'filter-error');
  });

  it('badges a run whose process died as KILLED (stale) in the list and on its page', async () => {
    const deadDir = fs.mkdtempSync(path.join(os.tmpdir(), 'cellar-ui-dead-'));
    const { runId } = await runKilledInChild(deadDir);
    const reader = await startUiServer({
      root: deadDir,
      dbPath: path.join(deadDir, 'mlruns/cellar.db'),
      port: 0,
    });
    try {
      await page.goto(`${reader.url}#/runs?experiment=liveness`);
      await settled(page);
      expect(await page.locator('#runs-table tbody .badge').allTextContents()).toEqual(['KILLED (stale)']);
      await page.goto(`${reader.url}#/run/${runId}`);
      await settled(page);
      expect(await page.textContent('h1 .badge')).toBe('KILLED (stale)');
      expect(await page.getAttribute('h1 .badge', 'class')).toBe('badge badge-killed');
    } finally {
      await reader.close();
      fs.rmSync(deadDir, { recursive: true, force: true });
    }
  }, 30_000);

  it('raised no script errors, CSP violations or dialogs', () => {
    expect(problems).toEqual([]);
  });
});
