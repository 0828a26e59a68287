/**
 * The report renderer on hand-made data: hostile names show as text, the page loads nothing from
 * anywhere, sections appear or say why they are empty as the inputs say, the metrics table holds
 * the recorded and measured numbers, and the heatmap and axis-range helpers give the hand-computed
 * colours and ranges.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ReportData } from '../../src/report/report-data.js';
import { reportHtml } from '../../src/report/report-html.js';
import { heatmapSvg } from '../../src/report/heatmap-svg.js';
import { niceRange } from '../../src/report/line-chart-svg.js';
import { explanationFixture, HOSTILE } from './report-fixtures.js';

const ESCAPED = '&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;';

function reportFixture(overrides: Partial<ReportData> = {}): ReportData {
  const labels = Float32Array.from([0, 1, 0, 1, 1, 0]);
  const raw = Float32Array.from([0.2, 0.9, 0.4, 0.6, 0.7, 0.1]);
  return {
    bundle: 'b',
    data: 'test.csv',
    rows: 6,
    summary: {
      modelType: 'dcn_v2',
      heads: [{ task: 'click', kind: 'binary', calibration: 'platt' }],
      features: [{ name: HOSTILE, kind: 'categorical', cardinality: 5 }, { name: 'price', kind: 'numeric' }],
      parameters: 1234,
      createdAt: '2026-11-23T10:00:00.000Z',
      source: 'models/dcn',
      files: [{ name: 'model.onnx', bytes: 100, sha256: 'a'.repeat(64) }],
      trainingData: { files: [{ role: 'train', file: 'train.csv', sha256: 'b'.repeat(64), bytes: 2048 }], rows: { train: 80, validation: 20 } },
    },
    history: [
      { epoch: 1, trainLoss: 0.61, validation: { auc: 0.7, logloss: 0.6 }, seconds: 1, samplesPerSecond: 80 },
      { epoch: 2, trainLoss: 0.52, validation: { auc: 0.75, logloss: 0.55 }, seconds: 1, samplesPerSecond: 80 },
    ],
    bestEpoch: 2,
    recorded: { validation: { auc: 0.75, logloss: 0.55 }, test: { auc: 0.7312, logloss: 0.5601 } },
    metrics: [{ task: 'click', kind: 'binary', rows: 6, raw: { auc: 1, logloss: 0.3, ece: 0.1, 'label mean': 0.5, 'prediction mean': 0.48 }, calibrated: { auc: 1, logloss: 0.25, ece: 0.05, 'label mean': 0.5, 'prediction mean': 0.5 } }],
    segments: [
      {
        feature: HOSTILE,
        hashed: false,
        minCount: 2,
        groups: [
          { name: 'new', rows: 2, metrics: [{ task: 'click', kind: 'binary', rows: 2, raw: { auc: Number.NaN, logloss: 0.4, ece: 0.2, 'label mean': 1, 'prediction mean': 0.6 } }] },
          { name: 'known', rows: 4, metrics: [{ task: 'click', kind: 'binary', rows: 4, raw: { auc: 1, logloss: 0.3, ece: 0.1, 'label mean': 0.25, 'prediction mean': 0.3 } }] },
        ],
      },
      { feature: 'zip', hashed: true, groups: [] },
    ],
    reliability: [{ task: 'click', labels, raw, calibrated: raw.map((p) => 0.9 * p + 0.05), method: 'platt' }],
    ...overrides,
  };
}

/** The text of `<section id="id">...</section>`, or undefined when the page has no such section. */
function sectionOf(html: string, id: string): string | undefined {
  return new RegExp(`<section id="${id}">([\\s\\S]*?)</section>`).exec(html)?.[1];
}

test('hostile names are escaped everywhere they appear', () => {
  const html = reportHtml(reportFixture({ explanation: explanationFixture() }));
  assert.ok(!html.includes('<script'), 'no script element');
  assert.ok(!html.includes(HOSTILE));
  const shown = html.split(ESCAPED).length - 1;
  console.log(`the hostile name appears ${shown} times, every time escaped`);
  // summary features, segment heading, permutation and ablation bars, ablation table, heatmap rows and columns
  assert.equal(shown, 7);
  assert.ok(sectionOf(html, 'cross-weights')!.includes(ESCAPED));
});

test('the page is self-contained: nothing is loaded from anywhere', () => {
  const html = reportHtml(reportFixture({ explanation: explanationFixture() }));
  for (const pattern of [/<script/i, /<link/i, /<img/i, /<iframe/i, /\bsrc=/i, /url\(/i, /@import/i, /@font-face/i]) assert.doesNotMatch(html, pattern);
  const urls = [...html.matchAll(/https?:\/\/[^\s"']+/g)].map((m) => m[0]);
  assert.deepEqual([...new Set(urls)], ['http://www.w3.org/2000/svg'], 'the only URL is the SVG namespace');
  assert.match(html, /^<!DOCTYPE html>\n<html lang="en">/);
  assert.match(html, /<meta charset="utf-8">/);
});

test('sections: present with data, a note without', () => {
  const full = reportHtml(reportFixture({ explanation: explanationFixture() }));
  for (const id of ['summary', 'training', 'metrics', 'segments', 'calibration', 'importance', 'cross-weights', 'attention']) {
    assert.ok(sectionOf(full, id) !== undefined, `section ${id}`);
    assert.match(full, new RegExp(`<a href="#${id}">`), `nav link to ${id}`);
  }
  const charts = [...full.matchAll(/<figure class="chart" data-chart="([^"]+)">\n<svg /g)].map((m) => m[1]);
  assert.deepEqual(charts, [
    'training-loss',
    'validation-auc',
    'validation-logloss',
    'reliability-click',
    'permutation-importance',
    'ablation-importance',
    'integrated-gradients',
    'cross-weights-cross_0',
    'attention-afm/attention',
  ]);
  assert.match(sectionOf(full, 'segments')!, /'zip' is a hashed feature/);
  assert.match(sectionOf(full, 'segments')!, /or seen fewer than 2 times/);

  const bare = reportHtml(reportFixture({ history: [], segments: [], reliability: [] }));
  assert.equal(sectionOf(bare, 'attention'), undefined, 'no attention section without attention weights');
  assert.ok(!bare.includes('<svg'), 'no chart without data');
  assert.match(sectionOf(bare, 'training')!, /No training history is recorded/);
  assert.match(sectionOf(bare, 'segments')!, /No segment feature given/);
  assert.match(sectionOf(bare, 'calibration')!, /No binary task/);
  assert.match(sectionOf(bare, 'importance')!, /No explanation: the report was written with --no-explain/);
  assert.match(sectionOf(bare, 'cross-weights')!, /No explanation: the report was written with --no-explain/);

  const { crossWeights: _, attention: __, ...plain } = explanationFixture();
  const noCross = reportHtml(reportFixture({ explanation: plain }));
  assert.match(sectionOf(noCross, 'cross-weights')!, /This model has no cross layer/);
  assert.equal(sectionOf(noCross, 'attention'), undefined);
});

test('metrics table: recorded and measured numbers side by side', () => {
  const html = reportHtml(reportFixture());
  const table = /<table id="metrics-table">([\s\S]*?)<\/table>/.exec(html)![1]!;
  assert.match(table, /<th>task<\/th><th>metric<\/th><th>validation \(recorded\)<\/th><th>test \(recorded\)<\/th><th>now: raw<\/th><th>now: calibrated<\/th>/);
  assert.match(table, /<tr><td>click<\/td><td>auc<\/td><td class="num">0\.7500<\/td><td class="num">0\.7312<\/td><td class="num">1\.0000<\/td><td class="num">1\.0000<\/td><\/tr>/);
  assert.match(table, /<tr><td>click<\/td><td>ece<\/td><td class="num"><\/td><td class="num"><\/td><td class="num">0\.1000<\/td><td class="num">0\.0500<\/td><\/tr>/, 'ECE was not recorded: blank');
  const segment = sectionOf(html, 'segments')!;
  assert.match(segment, /<tr><td>new<\/td><td class="num">2<\/td><td>33\.3%<\/td><td>click<\/td><td class="num">n\/a<\/td><td class="num">0\.4000<\/td>/, 'AUC of one class is n/a');
});

test('heatmap: colours from white (min) to dark blue (max), labels, legend; shape checked', () => {
  const svg = heatmapSvg([[0, 1], [2, 4]], { title: 't', rowLabels: ['a', 'b'], columnLabels: ['c', HOSTILE], legend: 'norm' });
  const fills = [...svg.matchAll(/<rect x="[\d.]+" y="[\d.]+" width="\d+" height="\d+" fill="(rgb\([^)]+\))" stroke="white"\/>/g)].map((m) => m[1]);
  // t = v / 4: 0 -> white, 0.25 -> (193, 203, 218), 0.5 -> (132, 152, 181), 1 -> (8, 48, 107)
  assert.deepEqual(fills, ['rgb(255,255,255)', 'rgb(193,203,218)', 'rgb(132,152,181)', 'rgb(8,48,107)']);
  assert.match(svg, />4\.000<\/text>/);
  assert.ok(svg.includes(ESCAPED) && !svg.includes(HOSTILE));
  assert.match(svg, />0\.000<\/text>[\s\S]*>4\.000<\/text>[\s\S]*>norm<\/text>/, 'legend from min to max with its caption');
  assert.throws(() => heatmapSvg([[1, 2]], { title: 't', rowLabels: ['a'], columnLabels: ['b'], legend: '' }), /a 1 x 1 matrix expected/);
});

test('niceRange: round ticks around the values', () => {
  assert.deepEqual(niceRange([0.52, 0.61]), [0.52, 0.62]);
  assert.deepEqual(niceRange([1, 10]), [0, 10]);
  assert.deepEqual(niceRange([1, 2]), [1, 2]);
  assert.deepEqual(niceRange([3]), [1, 6]);
});
