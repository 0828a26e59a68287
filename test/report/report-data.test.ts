/**
 * reportData on real bundles: the new/known split counts of a six-row file checked by hand, each
 * group's metrics equal to the metrics of those rows scored with BundleScorer directly, metrics
 * per task of a multi-task bundle, a hashed feature reported as unsplittable, the recorded history
 * carried over, and a --segment that is not a categorical feature refused by name.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BundleScorer } from '../../src/bundle/bundle-scorer.js';
import { loadBundle } from '../../src/bundle/load-bundle.js';
import { loadWithPipeline } from '../../src/data/load-dataset.js';
import { ConfigError } from '../../src/errors.js';
import { auc } from '../../src/metrics/auc.js';
import { logloss } from '../../src/metrics/logloss.js';
import { reportData } from '../../src/report/report-data.js';
import { reportHtml } from '../../src/report/report-html.js';
import { explanationFixture, reportBundles } from './report-fixtures.js';

test('reportData: segments, metrics as served, multi-task, hashed features', async (t) => {
  const started = performance.now();
  const fixtures = await reportBundles();
  t.after(() => fixtures.cleanup());
  console.log(`fixtures (3 models trained, 3 bundles) in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  await t.test('new vs known split counts and their metrics (calibrated DNN)', async () => {
    const bundle = await loadBundle(fixtures.bundles.dnn);
    const data = await reportData(bundle, fixtures.segmentFile, { segments: ['user', 'item'], threads: 1 });
    assert.equal(data.rows, 6);
    const [user, item] = data.segments;
    assert.equal(user!.feature, 'user');
    assert.equal(user!.hashed, false);
    assert.deepEqual(user!.groups.map((g) => [g.name, g.rows]), [['new', 2], ['known', 4]]);
    assert.deepEqual(item!.groups.map((g) => [g.name, g.rows]), [['new', 3], ['known', 3]]);
    // Clicks: new users 1, 0; new items 1, 0, 1.
    assert.equal(user!.groups[0]!.metrics[0]!.calibrated!['label mean'], 0.5);
    assert.ok(Math.abs(item!.groups[0]!.metrics[0]!.calibrated!['label mean']! - 2 / 3) < 1e-9);

    // The same rows scored directly, as a server would.
    const encoded = await loadWithPipeline(bundle.pipeline, fixtures.segmentFile, process.cwd(), { requireLabels: true });
    const scorer = await BundleScorer.create(bundle, { threads: 1 });
    const scores = (await scorer.score(encoded.source, encoded.rows)).tasks.get('click')!;
    await scorer.release();
    const labels = encoded.source.labels('click');
    const newUsers = [2, 3];
    const pick = (values: Float32Array, rows: number[]) => Float32Array.from(rows, (r) => values[r]!);
    const newUser = user!.groups[0]!.metrics[0]!;
    assert.equal(newUser.rows, 2);
    assert.equal(newUser.calibrated!.auc, auc(pick(labels, newUsers), pick(scores.calibrated, newUsers)));
    assert.equal(newUser.raw.logloss, logloss(pick(labels, newUsers), pick(scores.raw, newUsers)));
    assert.equal(data.metrics[0]!.raw.auc, auc(labels, scores.raw));
    assert.equal(data.metrics[0]!.calibrated!.logloss, logloss(labels, scores.calibrated));
    assert.notEqual(data.metrics[0]!.calibrated!.logloss, data.metrics[0]!.raw.logloss, 'platt calibration changes the probabilities');
    console.log(`dnn on 6 rows: auc raw ${data.metrics[0]!.raw.auc!.toFixed(4)}, logloss raw ${data.metrics[0]!.raw.logloss!.toFixed(4)} -> calibrated ${data.metrics[0]!.calibrated!.logloss!.toFixed(4)}`);

    assert.equal(data.summary.heads[0]!.calibration, 'platt');
    assert.equal(data.history.length, 2, 'two epochs recorded');
    assert.equal(data.reliability.length, 1);
    assert.equal(data.reliability[0]!.calibrated!.length, 6);
  });

  await t.test('the same inputs give the same page', async () => {
    const bundle = await loadBundle(fixtures.bundles.dnn);
    const options = { segments: ['user'], explanation: explanationFixture(), threads: 1 };
    const first = reportHtml(await reportData(bundle, fixtures.scoreFile, options));
    const second = reportHtml(await reportData(bundle, fixtures.scoreFile, options));
    assert.equal(first, second);
  });

  await t.test('multi-task: metrics per task, uncalibrated', async () => {
    const bundle = await loadBundle(fixtures.bundles.mmoe);
    const data = await reportData(bundle, fixtures.scoreFile, { segments: ['user'], threads: 1 });
    assert.deepEqual(data.metrics.map((m) => [m.task, m.rows, m.calibrated]), [['click', 300, undefined], ['buy', 300, undefined]]);
    assert.deepEqual(Object.keys(data.metrics[1]!.raw), ['auc', 'logloss', 'ece', 'label mean', 'prediction mean']);
    assert.deepEqual(data.segments[0]!.groups.map((g) => [g.name, g.rows]), [['new', 0], ['known', 300]], 'score.csv has only training users');
    assert.deepEqual(data.segments[0]!.groups[0]!.metrics[0]!.raw, {}, 'no metrics of no rows');
    assert.ok(data.recorded.validation && 'buy.auc' in data.recorded.validation);
    const html = reportHtml(data);
    assert.match(html, /<td>buy<\/td><td>auc<\/td><td class="num">0\.\d{4}<\/td>/, 'recorded buy.auc shown on the buy row');
  });

  await t.test('a hashed feature cannot be split into new and known', async () => {
    const bundle = await loadBundle(fixtures.bundles.hashed);
    const data = await reportData(bundle, fixtures.segmentFile, { segments: ['user', 'item'], threads: 1 });
    assert.deepEqual(data.segments.map((s) => [s.feature, s.hashed, s.groups.length]), [['user', true, 0], ['item', false, 2]]);
    assert.match(reportHtml(data), /'user' is a hashed feature: every value falls into some bucket, so values new to training cannot be told from known ones/);
  });

  await t.test('--segment must name a categorical feature', async () => {
    const bundle = await loadBundle(fixtures.bundles.dnn);
    for (const name of ['price', 'nope']) {
      await assert.rejects(reportData(bundle, fixtures.segmentFile, { segments: [name] }), (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.location.field, '--segment');
        assert.match(error.message, new RegExp(`'${name}' is not a categorical feature of the bundle; expected one of user, item`));
        return true;
      });
    }
  });
});
