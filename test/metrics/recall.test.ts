import assert from 'node:assert/strict';
import { test } from 'node:test';
import { recallAtK } from '../../src/metrics/recall.js';
import { ConfigError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('recall@k: worked example from the docstring', () => {
  // A: labels [1, 0, 1, 0, 1] in score order -> 1/3; B: [0, 1] -> 1; C: [0, 0] skipped.
  const labels = [1, 0, 1, 0, 1, 1, 0, 0, 0];
  const scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.2, 0.1, 0.3, 0.4];
  const groups = [1, 1, 1, 1, 1, 2, 2, 3, 3];
  assertClose(recallAtK(labels, scores, groups, 2), 2 / 3);
});

test('recall@k: graded labels count as relevant when > 0', () => {
  assert.equal(recallAtK([3, 0, 0.5], [0.9, 0.8, 0.1], [0, 0, 0], 1), 0.5);
});

test('recall@k: the denominator is every relevant row, even past k', () => {
  assert.equal(recallAtK([1, 1, 1, 1], [0.4, 0.3, 0.2, 0.1], [0, 0, 0, 0], 2), 0.5);
  assert.equal(recallAtK([1, 1, 1, 1], [0.4, 0.3, 0.2, 0.1], [0, 0, 0, 0], 10), 1);
});

test('recall@k: tied scores rank in input order (lower index first)', () => {
  assert.equal(recallAtK([0, 1], [0.5, 0.5], [0, 0], 1), 0);
  assert.equal(recallAtK([1, 0], [0.5, 0.5], [0, 0], 1), 1);
});

test('recall@k: NaN when no query has a relevant row', () => {
  assert.ok(Number.isNaN(recallAtK([0, 0, 0], [0.1, 0.2, 0.3], [1, 2, 2], 1)));
});

test('recall@k: rejects a bad cutoff', () => {
  assert.throws(() => recallAtK([1], [0.5], [0], -3), isError(ConfigError, /recall@-3: k = -3/));
});
