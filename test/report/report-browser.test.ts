/**
 * The report in a real headless browser (Debian's chromium through playwright-core): a page for
 * the calibrated DNN bundle with segments and an explanation, and one for the MMoE without,
 * load from file:// with no console error, no page error and no request at all besides the page
 * itself; every chart's SVG has a non-zero box, and the section headings and the metrics table are
 * visible. Skipped, saying why, when /usr/bin/chromium is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { loadBundle } from '../../src/bundle/load-bundle.js';
import { reportData } from '../../src/report/report-data.js';
import { reportHtml } from '../../src/report/report-html.js';
import { explanationFixture, reportBundles } from './report-fixtures.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

interface PageCheck {
  errors: string[];
  requests: string[];
  charts: { name: string; width: number; height: number }[];
  headings: string[];
}

async function checkPage(browser: Browser, file: string): Promise<PageCheck> {
  const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  page.on('requestfailed', (request) => errors.push(`failed request: ${request.url()}`));
  page.on('request', (request) => requests.push(request.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  const charts = await page.locator('figure.chart').evaluateAll((figures) =>
    figures.map((figure) => {
      const box = figure.querySelector('svg')?.getBoundingClientRect();
      return { name: figure.getAttribute('data-chart') ?? '', width: box?.width ?? 0, height: box?.height ?? 0 };
    }),
  );
  const headings = await page.locator('h2').allInnerTexts();
  for (const heading of headings) assert.ok(await page.getByRole('heading', { name: heading, exact: true }).isVisible(), `heading ${heading} visible`);
  assert.ok(await page.locator('#metrics-table').isVisible(), 'metrics table visible');
  assert.ok((await page.locator('#metrics-table tbody tr').count()) > 0, 'metrics table has rows');
  await page.close();
  return { errors, requests, charts, headings };
}

test('the report loads in chromium without errors and shows its charts', { skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} is absent (apt-get install chromium)` }, async (t) => {
  const fixtures = await reportBundles();
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-report-browser-'));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(async () => {
    await browser.close();
    await rm(dir, { recursive: true, force: true });
    await fixtures.cleanup();
  });

  const pages = [
    { name: 'dnn', bundle: fixtures.bundles.dnn, options: { segments: ['user', 'item'], explanation: explanationFixture() } },
    { name: 'mmoe', bundle: fixtures.bundles.mmoe, options: { segments: ['user'] } },
  ];
  for (const { name, bundle, options } of pages) {
    await t.test(name, async () => {
      const file = join(dir, `${name}.html`);
      await writeFile(file, reportHtml(await reportData(await loadBundle(bundle), fixtures.segmentFile, { ...options, threads: 1 })));
      const started = performance.now();
      const check = await checkPage(browser, file);
      console.log(`${name}: ${check.charts.length} charts, ${check.headings.length} sections, checked in ${(performance.now() - started).toFixed(0)} ms: ${check.charts.map((c) => `${c.name} ${c.width.toFixed(0)}x${c.height.toFixed(0)}`).join(', ')}`);
      assert.deepEqual(check.errors, []);
      assert.deepEqual(check.requests, [pathToFileURL(file).href], 'the page loads nothing but itself');
      for (const chart of check.charts) assert.ok(chart.width > 100 && chart.height > 50, `chart ${chart.name} is ${chart.width}x${chart.height}`);
      const expectedHeadings = ['Model summary', 'Training curves', 'Metrics', 'Per-segment metrics', 'Calibration', 'Feature importance', 'Cross weights'];
      if (name === 'dnn') {
        assert.deepEqual(check.headings, [...expectedHeadings, 'Attention weights']);
        assert.deepEqual(check.charts.map((c) => c.name), ['training-loss', 'validation-auc', 'validation-logloss', 'reliability-click', 'permutation-importance', 'ablation-importance', 'integrated-gradients', 'cross-weights-cross_0', 'attention-afm/attention']);
      } else {
        assert.deepEqual(check.headings, expectedHeadings);
        assert.deepEqual(check.charts.map((c) => c.name), ['training-loss', 'validation-auc', 'validation-logloss', 'reliability-click', 'reliability-buy']);
      }
    });
  }
});
