import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mae } from '../../src/metrics/mae.js';
import { DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('mae: worked example from the docstring', () => {
  // |1 - 2| + |2 - 2| + |3 - 5| = 3 over 3 rows.
  assert.equal(mae([1, 2, 3], [2, 2, 5]), 1);
  assertClose(mae(Float32Array.from([0, -1]), Float32Array.from([0.5, 1])), 1.25);
});

test('mae: zero for exact predictions, NaN for empty input', () => {
  assert.equal(mae([1.5, -2], [1.5, -2]), 0);
  assert.ok(Number.isNaN(mae([], [])));
});

test('mae: rejects mismatched lengths and NaN', () => {
  assert.throws(() => mae([1], [1, 2]), isError(DataError, /preds has 2 entries/));
  assert.throws(() => mae([NaN], [1]), isError(DataError, /labels\[0\] is NaN/));
});
