import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jaccardAtK } from '../../src/metrics/jaccard-at-k.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('jaccard@k: worked example from the docstring', () => {
  assertClose(jaccardAtK([0.9, 0.8, 0.7, 0.1], [0.1, 0.8, 0.7, 0.9], 2), 1 / 3);
  // top_3: {0, 1, 2} vs {3, 1, 2}: 2 shared of 4.
  assertClose(jaccardAtK([0.9, 0.8, 0.7, 0.1], [0.1, 0.8, 0.7, 0.9], 3), 0.5);
});

test('jaccard@k: identical scorings 1, disjoint top lists 0', () => {
  assert.equal(jaccardAtK([0.4, 0.2, 0.9], [0.4, 0.2, 0.9], 2), 1);
  assert.equal(jaccardAtK([1, 2, 3, 4], [4, 3, 2, 1], 2), 0);
});

test('jaccard@k: equal scores keep row order (lower index first)', () => {
  // top_1(a) = {0} (three-way tie), top_1(b) = {2}.
  assert.equal(jaccardAtK([0.5, 0.5, 0.5], [0.5, 0.5, 0.9], 1), 0);
  // top_2(a) = {0, 1}, top_2(b) = {0, 1}: b's tie at 0.5 also goes to the lower indices.
  assert.equal(jaccardAtK([0.5, 0.5, 0.5], [0.5, 0.5, 0.5], 2), 1);
});

test('jaccard@k: fewer items than K compares all of them', () => {
  assert.equal(jaccardAtK([0.1, 0.2], [0.9, 0.3], 10), 1);
  assert.ok(Number.isNaN(jaccardAtK([], [], 10)));
});

test('jaccard@k: rejects a bad K and unpaired scorings', () => {
  assert.throws(() => jaccardAtK([1], [1], 0), isError(ConfigError, /jaccard@k: k = 0/));
  assert.throws(() => jaccardAtK([1, 2], [1], 1), isError(DataError, /jaccard@k: b has 1 entries/));
});
