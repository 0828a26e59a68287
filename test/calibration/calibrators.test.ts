/**
 * The three calibrators: PAV against a hand-computed example and monotone on noisy data, Platt
 * recovering a known logit scale and shift, temperature recovering a known temperature, and
 * every calibrator's JSON round trip.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calibratorFromJson, CalibratorJsonSchema, fitCalibrator, CALIBRATION_METHODS } from '../../src/calibration/calibrator.js';
import { IsotonicRegression } from '../../src/calibration/isotonic-regression.js';
import { logit, sigmoid } from '../../src/calibration/logit.js';
import { PlattScaling } from '../../src/calibration/platt-scaling.js';
import { TemperatureScaling } from '../../src/calibration/temperature-scaling.js';
import { DataError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { assertClose, isError } from '../metrics/assertions.js';

/**
 * Rows whose true logit is t ~ N(0, 1.5²); the model reports p = sigmoid((t - shift) / scale),
 * so the calibration that undoes it is sigmoid(scale * logit(p) + shift).
 */
function miscalibrated(n: number, seed: number, scale: number, shift: number) {
  const rng = new Random(seed);
  const predictions = new Float32Array(n);
  const labels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = 1.5 * rng.normal();
    predictions[i] = sigmoid((t - shift) / scale);
    labels[i] = rng.next() < sigmoid(t) ? 1 : 0;
  }
  return { predictions, labels };
}

test('isotonic: PAV matches the docstring example, interpolates between blocks and clamps outside', () => {
  const iso = IsotonicRegression.fit([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]);
  assert.deepEqual(iso.x, [0.1, 0.2, 0.3, 0.4]);
  assert.deepEqual(iso.y, [0, 0.5, 0.5, 1]);
  assertClose(iso.apply(0.25), 0.5);
  assertClose(iso.apply(0.35), 0.75);
  assertClose(iso.apply(0.15), 0.25);
  assert.equal(iso.apply(0), 0);
  assert.equal(iso.apply(0.9), 1);
});

test('isotonic: hand-computed PAV with a cascade of merges and tied predictions', () => {
  // By prediction: 0.1:1, 0.2:0, 0.3:{0, 1} (tie, one block 1/2), 0.5:0, 0.6:1.
  // {0.1}:1 > {0.2}:0 merge to 1/2; {0.3}:1/2 stays; {0.5}:0 merges with it to 1/3, now below
  // 1/2, so everything from 0.1 to 0.5 pools to 2/5; {0.6}:1.
  const iso = IsotonicRegression.fit([0.3, 0.1, 0.6, 0.2, 0.3, 0.5], [0, 1, 1, 0, 1, 0]);
  assert.deepEqual(iso.x, [0.1, 0.5, 0.6]);
  assert.deepEqual(iso.y, [0.4, 0.4, 1]);
  assertClose(iso.apply(0.55), 0.7);
});

test('isotonic: the fitted map is monotone on noisy data and keeps the mean label', () => {
  const { predictions, labels } = miscalibrated(3000, 11, 0.5, 1);
  const iso = IsotonicRegression.fit(predictions, labels);
  for (let i = 1; i < iso.y.length; i++) assert.ok(iso.y[i]! >= iso.y[i - 1]! && iso.x[i]! >= iso.x[i - 1]!, `knot ${i} monotone`);
  let previous = -Infinity;
  for (let p = 0; p <= 1; p += 0.001) {
    const q = iso.apply(p);
    assert.ok(q >= previous, `f(${p}) = ${q} >= ${previous}`);
    previous = q;
  }
  // PAV preserves the sum of labels on the fitting rows.
  const fitted = Array.from(predictions, (p) => iso.apply(p)).reduce((a, b) => a + b, 0);
  assertClose(fitted, labels.reduce((a, b) => a + b, 0), 1e-9);
});

test('platt: recovers a known logit scale and shift', () => {
  const { predictions, labels } = miscalibrated(40_000, 3, 0.5, 1.2);
  const platt = PlattScaling.fit(predictions, labels);
  console.log(`platt: true scale 0.5, shift 1.2; fitted scale ${platt.scale.toFixed(4)}, shift ${platt.shift.toFixed(4)}`);
  assert.ok(Math.abs(platt.scale - 0.5) < 0.03, `scale ${platt.scale}`);
  assert.ok(Math.abs(platt.shift - 1.2) < 0.05, `shift ${platt.shift}`);
  assertClose(platt.apply(0.5), sigmoid(platt.shift));
});

test('temperature: recovers a known temperature', () => {
  // An over-confident model: p = sigmoid(2.5 t), i.e. T = 2.5 undoes it.
  const { predictions, labels } = miscalibrated(40_000, 5, 1 / 2.5, 0);
  const scaling = TemperatureScaling.fit(predictions, labels);
  console.log(`temperature: true T 2.5; fitted T ${scaling.temperature.toFixed(4)}`);
  assert.ok(Math.abs(scaling.temperature - 2.5) < 0.1, `T ${scaling.temperature}`);
  assertClose(scaling.apply(0.5), 0.5);
  assertClose(scaling.apply(0.9), sigmoid(logit(0.9) / scaling.temperature));
});

test('platt and temperature: labels of one class are a DataError', () => {
  assert.throws(() => PlattScaling.fit([0.2, 0.7], [1, 1]), isError(DataError, /both positive and negative labels; got 2 positive of 2 rows/));
  assert.throws(() => TemperatureScaling.fit([0.2, 0.7], [0, 0]), isError(DataError, /both positive and negative/));
});

test('every calibrator survives a JSON round trip and validates', () => {
  const { predictions, labels } = miscalibrated(2000, 7, 0.7, 0.4);
  for (const method of CALIBRATION_METHODS) {
    const fitted = fitCalibrator(method, predictions, labels);
    const json = JSON.parse(JSON.stringify(fitted.toJSON()));
    CalibratorJsonSchema.parse(json);
    const restored = calibratorFromJson(json);
    assert.equal(restored.method, method);
    for (const p of [0, 0.01, 0.3, 0.5, 0.77, 1]) assert.equal(restored.apply(p), fitted.apply(p), `${method} at ${p}`);
  }
  assert.equal(CalibratorJsonSchema.safeParse({ method: 'isotonic', x: [0.1, 0.2], y: [0.5, 0.4] }).success, false, 'decreasing y rejected');
  assert.equal(CalibratorJsonSchema.safeParse({ method: 'temperature', temperature: -1 }).success, false, 'negative T rejected');
});
