import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc } from '../../src/metrics/auc.js';
import { DataError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { assertClose, isError } from './assertions.js';

/** O(n^2) definition: fraction of positive/negative pairs ordered right, ties counting 1/2. */
function pairwiseAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  let right = 0;
  let pairs = 0;
  for (let i = 0; i < labels.length; i++) {
    if (labels[i] !== 1) continue;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j] !== 0) continue;
      pairs++;
      if (scores[i] > scores[j]) right += 1;
      else if (scores[i] === scores[j]) right += 0.5;
    }
  }
  return right / pairs;
}

test('auc: worked example from the docstring', () => {
  assert.equal(auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]), 0.75);
});

test('auc: tied scores share their average rank', () => {
  // Pairs (pos, neg): (0.5, 0.5) tie = 1/2, (0.5, 0.2) = 1, (0.9, 0.5) = 1, (0.9, 0.2) = 1 -> 3.5 / 4.
  assert.equal(auc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]), 0.875);
  assert.equal(auc([1, 0, 1, 0, 1], [0.3, 0.3, 0.3, 0.3, 0.3]), 0.5);
});

test('auc: perfect and reversed rankings', () => {
  assert.equal(auc([0, 0, 1, 1], [1, 2, 3, 4]), 1);
  assert.equal(auc([1, 1, 0, 0], [1, 2, 3, 4]), 0);
});

test('auc: NaN when only one class (or none) is present', () => {
  assert.ok(Number.isNaN(auc([1, 1, 1], [0.1, 0.2, 0.3])));
  assert.ok(Number.isNaN(auc([0, 0], [0.1, 0.2])));
  assert.ok(Number.isNaN(auc([], [])));
});

test('auc: typed arrays give the same value as plain arrays', () => {
  const labels = [0, 0, 1, 1];
  const scores = [0.1, 0.4, 0.35, 0.8];
  assert.equal(auc(Float32Array.from(labels), Float32Array.from(scores)), 0.75);
  assert.equal(auc(Uint8Array.from(labels), Float64Array.from(scores)), 0.75);
});

test('auc: depends only on the order of scores (logits and probabilities agree)', () => {
  const labels = [0, 1, 1, 0, 1, 0, 0, 1];
  const logits = [-2, 0.5, 3, 0.5, -1, -3, 1, 2];
  const probs = logits.map((z) => 1 / (1 + Math.exp(-z)));
  assert.equal(auc(labels, logits), auc(labels, probs));
});

test('auc: matches the pairwise definition on random data with many ties', () => {
  const random = new Random(7);
  for (const n of [2, 10, 101, 1000]) {
    const labels = new Float32Array(n);
    const scores = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = random.next() < 0.3 ? 1 : 0;
      scores[i] = Math.round(random.normal() * 4) / 4;
    }
    labels[0] = 1;
    labels[1] = 0;
    assertClose(auc(labels, scores), pairwiseAuc(labels, scores));
  }
});

test('auc: rejects bad inputs with the argument and row named', () => {
  assert.throws(() => auc([0, 1], [0.1]), isError(DataError, /scores has 1 entries/));
  assert.throws(() => auc([0, 0.5], [0.1, 0.2]), isError(DataError, /labels\[1\] = 0.5/));
  assert.throws(() => auc([0, 1], [0.1, NaN]), isError(DataError, /scores\[1\] is NaN/));
});

test('auc: a million rows in O(n log n)', { timeout: 20_000 }, () => {
  const random = new Random(1);
  const n = 1_000_000;
  const labels = new Float32Array(n);
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = random.next() < 0.1 ? 1 : 0;
    scores[i] = random.next() + 0.2 * labels[i];
  }
  const value = auc(labels, scores);
  assert.ok(value > 0.6 && value < 0.75, `auc ${value}`);
});
