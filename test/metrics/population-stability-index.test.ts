import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EMPTY_BIN_FRACTION, populationStabilityIndex } from '../../src/metrics/population-stability-index.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

const oneToTen = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

test('psi: worked example from the docstring', () => {
  // One boundary at 5.5: a = (0.5, 0.5), b = (0.8, 0.2).
  assertClose(populationStabilityIndex(oneToTen, [1, 1, 1, 1, 1, 1, 1, 1, 6, 7], 2), 0.3 * Math.log(1.6) - 0.3 * Math.log(0.4));
  assertClose(populationStabilityIndex(oneToTen, [1, 1, 1, 1, 1, 1, 1, 1, 6, 7], 2), 0.4158883083359672);
});

test('psi: identical samples give 0', () => {
  assert.equal(populationStabilityIndex(oneToTen, [...oneToTen].reverse()), 0);
});

test('psi: an empty bin counts as the stated epsilon fraction', () => {
  // Everything in the lower bin: b = (1, 1e-4).
  const expected = 0.5 * Math.log(1 / 0.5) + (EMPTY_BIN_FRACTION - 0.5) * Math.log(EMPTY_BIN_FRACTION / 0.5);
  assertClose(populationStabilityIndex(oneToTen, [1, 1, 1], 2), expected);
  assert.equal(EMPTY_BIN_FRACTION, 1e-4);
});

test('psi: bins are the quantiles of the expected sample, repeated boundaries dropped', () => {
  // Quartiles of [1, 1, 1, 1, 2] are all 1: one boundary, so 2s and 1s share the upper bin.
  assert.equal(populationStabilityIndex([1, 1, 1, 1, 2], [2, 2, 2, 2, 2], 4), 0);
  // Deciles of 1..10 put 4 values of b = [1, 1, 1, 1, 10, ...] in the lowest bin (a = 0.1 there).
  const b = [1, 1, 1, 1, 10, 10, 10, 10, 10, 10];
  assert.ok(populationStabilityIndex(oneToTen, b) > 0.25);
});

test('psi: rejects bad bins, NaN and empty samples', () => {
  assert.throws(() => populationStabilityIndex([1], [1], 1), isError(ConfigError, /psi: bins = 1/));
  assert.throws(() => populationStabilityIndex([1], [NaN]), isError(DataError, /psi: actual\[0\] is NaN/));
  assert.throws(() => populationStabilityIndex([], [1]), isError(DataError, /psi: expected is empty/));
});
