import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mrr } from '../../src/metrics/mrr.js';
import { DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('mrr: worked example from the docstring', () => {
  // A: first relevant at rank 3 -> 1/3; B: at rank 2 -> 1/2; C: none, skipped.
  const labels = Float32Array.from([0, 1, 0, 0, 0, 0, 1]);
  const scores = Float32Array.from([0.9, 0.2, 0.8, 0.5, 0.9, 0.4, 0.7]);
  const groups = Int32Array.from([10, 20, 10, 30, 20, 30, 10]);
  assertClose(mrr(labels, scores, groups), 5 / 12);
});

test('mrr: only the first relevant row counts', () => {
  assert.equal(mrr([1, 1, 0], [0.9, 0.8, 0.7], [0, 0, 0]), 1);
  assert.equal(mrr([0, 1, 1], [0.9, 0.8, 0.7], [0, 0, 0]), 0.5);
});

test('mrr: tied scores rank in input order (lower index first)', () => {
  assert.equal(mrr([0, 1], [0.5, 0.5], [0, 0]), 0.5);
  assert.equal(mrr([1, 0], [0.5, 0.5], [0, 0]), 1);
});

test('mrr: NaN when no query has a relevant row', () => {
  assert.ok(Number.isNaN(mrr([0, 0], [0.1, 0.2], [0, 1])));
  assert.ok(Number.isNaN(mrr([], [], [])));
});

test('mrr: rejects NaN scores', () => {
  assert.throws(() => mrr([1, 0], [NaN, 0.1], [0, 0]), isError(DataError, /mrr: scores\[0\] is NaN/));
});
