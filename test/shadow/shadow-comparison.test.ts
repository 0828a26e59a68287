import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createBundle } from '../../src/bundle/create-bundle.js';
import { BundleScorer } from '../../src/bundle/bundle-scorer.js';
import { loadBundle, type Bundle } from '../../src/bundle/load-bundle.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { shadowCompare, summarizeDistribution } from '../../src/shadow/shadow-comparison.js';
import { bundleFixtures, type BundleFixtures } from '../bundle/bundle-fixtures.js';

let f: BundleFixtures;
let dnn: Bundle;
let smallerVocab: Bundle;
let mmoe: Bundle;

before(async () => {
  const started = performance.now();
  f = await bundleFixtures();
  dnn = await createBundle(f.dnn, join(f.root, 'bundle-dnn'));
  smallerVocab = await createBundle(f.smallerVocab, join(f.root, 'bundle-no-u11'));
  mmoe = await createBundle(f.mmoe, join(f.root, 'bundle-mmoe'));
  console.log(`fixtures: 3 models trained and bundled in ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
after(() => f.cleanup());

/** A bundle's served scores of every row of the score file. */
async function servedScores(bundle: Bundle): Promise<Float32Array> {
  const data = await loadWithPipeline(bundle.pipeline, f.scoreFile, process.cwd());
  const scorer = await BundleScorer.create(bundle, { threads: 1 });
  try {
    return Float32Array.from((await scorer.score(data.source, data.rows)).score);
  } finally {
    await scorer.release();
  }
}

test('summarizeDistribution: mean, population std and interpolated quantiles', () => {
  const s = summarizeDistribution([4, 1, 3, 2]);
  assert.equal(s.mean, 2.5);
  assert.equal(s.std, Math.sqrt(1.25));
  assert.deepEqual(s.quantiles, { min: 1, p10: 1.3, p25: 1.75, p50: 2.5, p75: 3.25, p90: 3.7, max: 4 });
});

test('shadow of a bundle against itself: no shift, full overlap, no disagreements', async () => {
  const report = await shadowCompare(dnn, await loadBundle(join(f.root, 'bundle-dnn')), f.scoreFile, { groupBy: 'user', threads: 1 });
  assert.equal(report.rows, 300);
  assert.equal(report.requests, 12);
  assert.equal(report.rankedRequests, 12);
  assert.deepEqual(report.shifts.map((s) => s.name), ['score', 'click']);
  for (const shift of report.shifts) {
    assert.equal(shift.ks, 0);
    assert.equal(shift.ksPValue, 1);
    assert.equal(shift.psi, 0);
    assert.equal(shift.meanAbsDifference, 0);
    assert.deepEqual(shift.a, shift.b);
  }
  assert.deepEqual(report.overlap, { k: 10, meanJaccardAtK: 1, meanKendallTauB: 1, tauRequests: 12 });
  assert.deepEqual(report.disagreements, []);
});

test('shadow against a DNN trained without one user: shift, and the largest disagreement is the row with the largest |B - A|', async () => {
  const report = await shadowCompare(dnn, smallerVocab, f.scoreFile, { groupBy: 'user', k: 5, top: 4, threads: 1 });
  const score = report.shifts[0]!;
  console.log(`dnn vs dnn-no-u11 (300 rows, 12 users, k 5): KS ${score.ks.toFixed(4)} (p ${score.ksPValue.toExponential(2)}), PSI ${score.psi.toFixed(4)}, mean |B-A| ${score.meanAbsDifference.toFixed(4)}, Jaccard@5 ${report.overlap.meanJaccardAtK.toFixed(4)}, tau-b ${report.overlap.meanKendallTauB.toFixed(4)}`);
  assert.ok(score.ks > 0 && score.psi > 0 && score.meanAbsDifference > 0);
  assert.ok(report.overlap.meanKendallTauB < 1);

  const a = await servedScores(dnn);
  const b = await servedScores(smallerVocab);
  const gaps = a.map((x, i) => Math.abs(b[i]! - x));
  const largest = gaps.reduce((best, gap, i) => (gap > gaps[best]! ? i : best), 0);
  assert.equal(report.disagreements.length, 4);
  const first = report.disagreements[0]!;
  assert.equal(first.row, largest + 1);
  assert.equal(first.scoreA, a[largest]);
  assert.equal(first.scoreB, b[largest]);
  assert.equal(first.difference, b[largest]! - a[largest]!);
  const gapsListed = report.disagreements.map((d) => Math.abs(d.difference));
  assert.deepEqual(gapsListed, [...gapsListed].sort((x, y) => y - x));

  // Row `row` of the file (header not counted) holds the raw values reported, and its rank is
  // 1 + the number of rows of its user scoring higher (ties broken by row order).
  const lines = (await readFile(f.scoreFile, 'utf8')).trimEnd().split('\n');
  const header = lines[0]!.split(',');
  const cells = (row: number) => Object.fromEntries(lines[row]!.split(',').map((v, i) => [header[i]!, v]));
  assert.deepEqual(first.values, { user: cells(first.row).user, item: cells(first.row).item, price: cells(first.row).price });
  assert.equal(first.request, cells(first.row).user);
  const rankIn = (scores: Float32Array, row: number) => 1 + scores.filter((s, i) => cells(i + 1).user === first.request && (s > scores[row]! || (s === scores[row]! && i < row))).length;
  assert.equal(first.rankA, rankIn(a, largest));
  assert.equal(first.rankB, rankIn(b, largest));

  const again = await shadowCompare(dnn, smallerVocab, f.scoreFile, { groupBy: 'user', k: 5, top: 4, threads: 1 });
  assert.deepEqual(again, report, 'same bundles and data -> same report');
});

test('shadow against a multi-task bundle compares the tasks both have; without --group-by the file is one request', async () => {
  const report = await shadowCompare(dnn, mmoe, f.scoreFile, { threads: 1 });
  assert.deepEqual(report.shifts.map((s) => s.name), ['score', 'click']);
  assert.equal(report.requests, 1);
  assert.equal(report.rankedRequests, 1);
  assert.equal(report.groupBy, null);
  assert.ok(report.overlap.meanJaccardAtK < 1);
  assert.equal(report.disagreements.length, 10);
  assert.ok(report.disagreements.every((d) => d.request === null && d.rankA >= 1 && d.rankA <= 300));
  console.log(`dnn vs mmoe (one request of 300 rows, k 10): KS ${report.shifts[0]!.ks.toFixed(4)}, PSI ${report.shifts[0]!.psi.toFixed(4)}, Jaccard@10 ${report.overlap.meanJaccardAtK.toFixed(4)}, tau-b ${report.overlap.meanKendallTauB.toFixed(4)}`);
});

test('shadow: main tasks of different kinds are an error naming both bundles', async () => {
  const regression = { ...mmoe, path: 'ratings-bundle', heads: [{ task: 'rating', kind: 'regression' as const, offset: 0 }] };
  await assert.rejects(shadowCompare(dnn, regression, f.scoreFile), (e: ConfigError) => e instanceof ConfigError && e.location.field === '--bundle' && e.message.includes(dnn.path) && /ratings-bundle by the regression task 'rating'/.test(e.message));
});

test('shadow: a missing --group-by column names the file and the field', async () => {
  await assert.rejects(shadowCompare(dnn, mmoe, f.scoreFile, { groupBy: 'session' }), (e: DataError) => e instanceof DataError && e.location.file === f.scoreFile && e.location.field === 'session');
});
