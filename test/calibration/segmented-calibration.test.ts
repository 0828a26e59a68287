/**
 * Per-segment calibration: each large segment gets its own calibrator, small/unseen/missing
 * segments fall back to the global one, and calibration.json keeps one entry per task across
 * saves and reloads to the same predictions.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CALIBRATION_FILE, loadCalibration, saveCalibration } from '../../src/calibration/calibration-file.js';
import { calibrationSummary } from '../../src/calibration/calibration-summary.js';
import { sigmoid } from '../../src/calibration/logit.js';
import { SegmentedCalibration } from '../../src/calibration/segmented-calibration.js';
import { ArtifactError, ConfigError } from '../../src/errors.js';
import { expectedCalibrationError } from '../../src/metrics/expected-calibration-error.js';
import { Random } from '../../src/util/random.js';
import { isError } from '../metrics/assertions.js';

/** Surface 'feed' is over-predicted (shift +1.5), 'search' under-predicted (-1.5), 'tiny' has 20 rows. */
function surfaces(seed: number) {
  const rng = new Random(seed);
  const predictions: number[] = [];
  const labels: number[] = [];
  const segments: (string | undefined)[] = [];
  const add = (surface: string | undefined, bias: number, n: number) => {
    for (let i = 0; i < n; i++) {
      const t = rng.normal();
      predictions.push(sigmoid(t + bias));
      labels.push(rng.next() < sigmoid(t) ? 1 : 0);
      segments.push(surface);
    }
  };
  add('feed', 1.5, 3000);
  add('search', -1.5, 3000);
  add('tiny', 1.5, 20);
  add(undefined, 0, 50);
  return { predictions: Float32Array.from(predictions), labels: Float32Array.from(labels), segments };
}

test('per-segment platt: own calibrators for large segments, global fallback for small, unseen and missing', () => {
  const { predictions, labels, segments } = surfaces(1);
  const calibration = SegmentedCalibration.fit('platt', predictions, labels, { column: 'surface', values: segments, minSegmentSize: 100 });
  assert.deepEqual([...calibration.segments.keys()], ['feed', 'search']);
  const feed = calibration.segments.get('feed')!.toJSON();
  const search = calibration.segments.get('search')!.toJSON();
  assert.ok(feed.method === 'platt' && Math.abs(feed.shift + 1.5) < 0.15, `feed shift ${JSON.stringify(feed)}`);
  assert.ok(search.method === 'platt' && Math.abs(search.shift - 1.5) < 0.15, `search shift ${JSON.stringify(search)}`);
  const probe = Float32Array.from([0.3, 0.3, 0.3, 0.3, 0.3]);
  const out = calibration.apply(probe, ['feed', 'search', 'tiny', 'never-seen', undefined]);
  assert.equal(out[0], Math.fround(calibration.segments.get('feed')!.apply(probe[0]!)));
  assert.equal(out[1], Math.fround(calibration.segments.get('search')!.apply(probe[0]!)));
  for (const i of [2, 3, 4]) assert.equal(out[i], Math.fround(calibration.global.apply(probe[0]!)), `row ${i} uses the global calibrator`);
  // Opposite biases cancel globally; only per segment does calibration fix them.
  const global = SegmentedCalibration.fit('platt', predictions, labels);
  const eceSegmented = expectedCalibrationError(labels, calibration.apply(predictions, segments), 15);
  const eceGlobal = expectedCalibrationError(labels, global.apply(predictions), 15);
  const eceBefore = expectedCalibrationError(labels, predictions, 15);
  console.log(`per-segment platt: ECE before ${eceBefore.toFixed(4)}, global ${eceGlobal.toFixed(4)}, per segment ${eceSegmented.toFixed(4)}`);
  assert.ok(eceSegmented < eceBefore && eceSegmented < eceGlobal);
  assert.throws(() => calibration.apply(probe), isError(ConfigError, /per 'surface'/));
  assert.throws(() => SegmentedCalibration.fit('isotonic', predictions, labels, { column: 's', values: segments, minSegmentSize: 0 }), isError(ConfigError, /minSegmentSize = 0/));
});

test('calibration.json: one entry per task, atomic save, identical predictions after reload, bad files named', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'deeprank-calibration-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const { predictions, labels, segments } = surfaces(2);
  const isotonic = SegmentedCalibration.fit('isotonic', predictions, labels, { column: 'surface', values: segments, minSegmentSize: 100 });
  const temperature = SegmentedCalibration.fit('temperature', predictions, labels);
  const provenance = (probs: Float32Array) => ({ file: 'val.csv', rows: labels.length, bins: 15, before: calibrationSummary(labels, predictions, 15), after: calibrationSummary(labels, probs, 15) });
  await saveCalibration(dir, 'click', isotonic, provenance(isotonic.apply(predictions, segments)));
  await saveCalibration(dir, 'purchase', temperature, provenance(temperature.apply(predictions)));
  const loaded = await loadCalibration(dir);
  assert.deepEqual([...loaded.keys()].sort(), ['click', 'purchase']);
  assert.deepEqual(loaded.get('click')!.apply(predictions, segments), isotonic.apply(predictions, segments));
  assert.deepEqual(loaded.get('purchase')!.apply(predictions), temperature.apply(predictions));
  assert.deepEqual(loaded.get('click')!.toJSON(), isotonic.toJSON());
  const json = JSON.parse(await readFile(join(dir, CALIBRATION_FILE), 'utf8'));
  assert.equal(json.format, 'deeprank-calibration');
  assert.equal(json.version, 1);
  assert.equal(json.tasks.click.segmentBy, 'surface');
  assert.ok(json.tasks.click.fittedOn.after.ece < json.tasks.click.fittedOn.before.ece);

  // Refitting one task replaces only its entry.
  await saveCalibration(dir, 'click', temperature, provenance(temperature.apply(predictions)));
  const reloaded = await loadCalibration(dir);
  assert.equal(reloaded.get('click')!.method, 'temperature');
  assert.equal(reloaded.get('purchase')!.method, 'temperature');

  json.tasks.click.global = { method: 'platt', scale: 'big', shift: 0 };
  await writeFile(join(dir, CALIBRATION_FILE), JSON.stringify(json));
  await assert.rejects(loadCalibration(dir), isError(ArtifactError, /invalid calibration/));
  const empty = await mkdtemp(join(tmpdir(), 'deeprank-calibration-'));
  t.after(() => rm(empty, { recursive: true, force: true }));
  assert.equal((await loadCalibration(empty)).size, 0);
  assert.ok(!existsSync(join(empty, CALIBRATION_FILE)));
});
