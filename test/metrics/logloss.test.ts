import assert from 'node:assert/strict';
import { test } from 'node:test';
import { logloss } from '../../src/metrics/logloss.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('logloss: worked example from the docstring', () => {
  // -(log 0.8 + log(1 - 0.4)) / 2
  assertClose(logloss([1, 0], [0.8, 0.4]), -(Math.log(0.8) + Math.log(0.6)) / 2);
  assertClose(logloss([1, 0], [0.8, 0.4]), 0.3669845875401002);
});

test('logloss: soft labels', () => {
  // y = 0.5, p = 0.5: -(0.5 log 0.5 + 0.5 log 0.5) = log 2.
  assertClose(logloss([0.5], [0.5]), Math.LN2);
});

test('logloss: probabilities are clipped to [eps, 1 - eps]', () => {
  assertClose(logloss([1, 0], [1, 0]), -Math.log(1 - 1e-7));
  assertClose(logloss([1], [0]), -Math.log(1e-7));
  assertClose(logloss([0], [1], 1e-3), -Math.log(1e-3));
  assert.ok(Number.isFinite(logloss(Float32Array.from([1, 0]), Float32Array.from([0, 1]))));
});

test('logloss: NaN for empty input', () => {
  assert.ok(Number.isNaN(logloss([], [])));
});

test('logloss: rejects logits, NaN probabilities, labels outside [0, 1] and a bad eps', () => {
  assert.throws(() => logloss([1, 0], [0.5, 2.3]), isError(DataError, /probs\[1\] = 2.3.*not a logit/));
  assert.throws(() => logloss([1], [NaN]), isError(DataError, /probs\[0\] = NaN/));
  assert.throws(() => logloss([2], [0.5]), isError(DataError, /labels\[0\] = 2/));
  assert.throws(() => logloss([1], [0.5], 0), isError(ConfigError, /eps = 0/));
  assert.throws(() => logloss([1, 0], [0.5]), DataError);
});
