import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibrationBins } from '../../src/metrics/calibration-bins.js';
import { calibrationRatio } from '../../src/metrics/calibration-ratio.js';
import { expectedCalibrationError } from '../../src/metrics/expected-calibration-error.js';
import { evaluateMetric } from '../../src/metrics/metric-registry.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('ECE: worked example from the docstring', () => {
  // Bins 1 and 8 of 10: |0.15 - 0.5| * 2/4 + |0.85 - 1| * 2/4.
  assertClose(expectedCalibrationError([0, 1, 1, 1], [0.15, 0.15, 0.85, 0.85], 10), 0.25);
});

test('ECE: hand-computed with mixed bins, p = 1 in the last bin, and more bins', () => {
  // 10 bins: bin 0 {0.05: y 0}, bin 3 {0.3, 0.35: y 1, 0}, bin 9 {0.95, 1: y 1, 1}.
  const probs = [0.05, 0.3, 0.35, 0.95, 1];
  const labels = [0, 1, 0, 1, 1];
  const expected = (1 / 5) * 0.05 + (2 / 5) * Math.abs(0.325 - 0.5) + (2 / 5) * Math.abs(0.975 - 1);
  assertClose(expectedCalibrationError(labels, probs, 10), expected);
  // 20 bins split 0.3 and 0.35 apart: |0.3 - 1| and |0.35 - 0|.
  const expected20 = (1 / 5) * 0.05 + (1 / 5) * 0.7 + (1 / 5) * 0.35 + (2 / 5) * 0.025;
  assertClose(expectedCalibrationError(labels, probs, 20), expected20);
  const bins = calibrationBins(labels, probs, 10);
  assert.equal(bins.length, 10);
  assert.deepEqual(bins.map((b) => b.count), [1, 0, 0, 2, 0, 0, 0, 0, 0, 2]);
  assert.ok(Number.isNaN(bins[1]!.meanPrediction));
});

test('ECE: a perfectly calibrated bin structure gives 0; fewer than 10 bins or bad probabilities are errors', () => {
  assertClose(expectedCalibrationError([0, 1, 0, 0], [0.25, 0.25, 0.25, 0.25], 10), 0);
  assert.throws(() => expectedCalibrationError([0, 1], [0.2, 0.4], 5), isError(ConfigError, /bins = 5; expected an integer >= 10/));
  assert.throws(() => expectedCalibrationError([0, 1], [0.2, 1.4], 10), isError(DataError, /probs\[1\] = 1.4/));
  assert.ok(Number.isNaN(expectedCalibrationError([], [], 10)));
});

test('calibration ratio: worked example, perfect total, no positives', () => {
  assertClose(calibrationRatio([0, 1, 0], [0.2, 0.4, 0.6]), 1.2);
  assertClose(calibrationRatio([1, 0, 1, 0], [0.5, 0.5, 0.5, 0.5]), 1);
  assert.equal(calibrationRatio([0, 0], [0.1, 0.2]), Infinity);
});

test('metric registry: ece uses 15 equal-width bins', () => {
  const labels = [0, 1, 1, 0, 1];
  const scores = [0.1, 0.2, 0.7, 0.5, 0.9];
  assertClose(evaluateMetric('ece', { labels, scores }), expectedCalibrationError(labels, scores, 15));
});
