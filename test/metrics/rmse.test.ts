import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rmse } from '../../src/metrics/rmse.js';
import { DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('rmse: worked example from the docstring', () => {
  // Errors 1, 0, 2: sqrt((1 + 0 + 4) / 3).
  assertClose(rmse([1, 2, 3], [2, 2, 5]), Math.sqrt(5 / 3));
  assertClose(rmse(Float32Array.from([1, 2, 3]), Float32Array.from([2, 2, 5])), 1.2909944487358056);
});

test('rmse: zero for exact predictions, NaN for empty input', () => {
  assert.equal(rmse([1.5, -2], [1.5, -2]), 0);
  assert.ok(Number.isNaN(rmse([], [])));
});

test('rmse: rejects mismatched lengths and NaN', () => {
  assert.throws(() => rmse([1, 2], [1]), isError(DataError, /preds has 1 entries/));
  assert.throws(() => rmse([1, 2], [1, NaN]), isError(DataError, /preds\[1\] is NaN/));
});
