import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ndcgAtK } from '../../src/metrics/ndcg.js';
import { ConfigError, DataError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { assertClose, isError } from './assertions.js';

// Gains 2^rel - 1 for rel 0..3: 0, 1, 3, 7. Discount of rank r: 1 / log2(r + 1).

test('ndcg@k: worked example from the docstring', () => {
  // Relevances in score order: [3, 2, 3, 0, 1, 2]; rows given out of order.
  const labels = [0, 3, 2, 2, 1, 3];
  const scores = [0.6, 0.9, 0.4, 0.8, 0.5, 0.7];
  const groups = [0, 0, 0, 0, 0, 0];
  const dcg = 7 + 3 / Math.log2(3) + 7 / 2;
  const idealDcg = 7 + 7 / Math.log2(3) + 3 / 2;
  assertClose(ndcgAtK(labels, scores, groups, 3), dcg / idealDcg);
  assertClose(ndcgAtK(labels, scores, groups, 3), 0.9594535145926796);
});

test('ndcg@k: graded gain 2^rel - 1', () => {
  // Ranked [1, 2]: DCG = 1 + 3/log2(3); ideal [2, 1]: 3 + 1/log2(3).
  const expected = (1 + 3 / Math.log2(3)) / (3 + 1 / Math.log2(3));
  assertClose(ndcgAtK([1, 2], [0.9, 0.1], [0, 0], 2), expected);
});

test('ndcg@k: mean over queries, queries without relevant rows skipped', () => {
  // Query 7 perfect (1), query 8 reversed at k=1 (0), query 9 all zero (skipped).
  const labels = Float32Array.from([1, 0, 0, 0, 0, 1, 0]);
  const scores = Float32Array.from([0.9, 0.1, 0.3, 0.2, 0.8, 0.1, 0.5]);
  const groups = Int32Array.from([7, 7, 9, 9, 8, 8, 9]);
  assert.equal(ndcgAtK(labels, scores, groups, 1), 0.5);
  assert.ok(Number.isNaN(ndcgAtK([0, 0], [0.1, 0.2], [1, 1], 5)));
  assert.ok(Number.isNaN(ndcgAtK([], [], [], 5)));
});

test('ndcg@k: relevant rows beyond the cutoff do not count', () => {
  // Ranked [0, 0, 1]: DCG@2 = 0, DCG@3 = 1/2, IDCG = 1.
  assert.equal(ndcgAtK([1, 0, 0], [0.1, 0.5, 0.9], [0, 0, 0], 2), 0);
  assert.equal(ndcgAtK([1, 0, 0], [0.1, 0.5, 0.9], [0, 0, 0], 3), 0.5);
});

test('ndcg@k: k beyond the query size uses the whole query', () => {
  assert.equal(ndcgAtK([0, 2, 1], [0.1, 0.9, 0.5], [4, 4, 4], 100), 1);
  assert.equal(ndcgAtK([0, 2, 1], [0.1, 0.9, 0.5], [4, 4, 4], 3), 1);
});

test('ndcg@k: tied scores rank in input order (lower index first)', () => {
  assert.equal(ndcgAtK([0, 1], [0.5, 0.5], [0, 0], 1), 0);
  assert.equal(ndcgAtK([1, 0], [0.5, 0.5], [0, 0], 1), 1);
});

test('ndcg@k: invariant to the order of rows', () => {
  const random = new Random(3);
  const n = 500;
  const labels = new Float32Array(n);
  const scores = new Float32Array(n);
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random.int(4);
    scores[i] = random.next();
    groups[i] = random.int(20);
  }
  const permutation = random.permutation(n);
  const shuffled = (a: Float32Array | Int32Array) => a.map((_, i) => a[permutation[i]]);
  assertClose(
    ndcgAtK(shuffled(labels), shuffled(scores), shuffled(groups), 10),
    ndcgAtK(labels, scores, groups, 10),
  );
});

test('ndcg@k: rejects a bad cutoff and negative relevance', () => {
  assert.throws(() => ndcgAtK([1], [0.5], [0], 0), isError(ConfigError, /k = 0/));
  assert.throws(() => ndcgAtK([1], [0.5], [0], 2.5), ConfigError);
  assert.throws(() => ndcgAtK([-1], [0.5], [0], 1), isError(DataError, /labels\[0\] = -1/));
});

test('ndcg@k: half a million rows in O(n log n)', { timeout: 20_000 }, () => {
  const random = new Random(5);
  const n = 500_000;
  const labels = new Float32Array(n);
  const scores = new Float32Array(n);
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random.int(3);
    scores[i] = random.next() + 0.1 * labels[i];
    groups[i] = random.int(1000);
  }
  const value = ndcgAtK(labels, scores, groups, 10);
  assert.ok(value > 0 && value < 1, `ndcg ${value}`);
});
