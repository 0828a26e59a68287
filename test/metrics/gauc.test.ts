import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auc } from '../../src/metrics/auc.js';
import { gauc } from '../../src/metrics/gauc.js';
import { DataError } from '../../src/errors.js';
import { Random } from '../../src/util/random.js';
import { assertClose, isError } from './assertions.js';

test('gauc: worked example from the docstring, one-class group skipped', () => {
  // Group 1: AUC 0.75 over 4 rows; group 2: AUC 1 over 3 rows; group 3 (all negative) skipped.
  const labels = [0, 0, 1, 1, 1, 0, 0, 0, 0];
  const scores = [0.1, 0.4, 0.35, 0.8, 0.9, 0.3, 0.5, 0.2, 0.7];
  const groups = [1, 1, 1, 1, 2, 2, 2, 3, 3];
  assertClose(gauc(labels, scores, groups), 6 / 7);
});

test('gauc: rows of a group may be scattered, ids arbitrary integers', () => {
  // The same data as the worked example, rows interleaved and ids renamed.
  const labels = [1, 0, 0, 0, 0, 1, 0, 1, 0];
  const scores = [0.9, 0.1, 0.2, 0.3, 0.4, 0.35, 0.7, 0.8, 0.5];
  const groups = Int32Array.from([-5, 40, 7, -5, 40, 40, 7, 40, -5]);
  assertClose(gauc(labels, scores, groups), 6 / 7);
  assertClose(gauc(labels, scores, Array.from(groups)), 6 / 7);
});

test('gauc: a single group equals plain AUC', () => {
  const labels = [0, 1, 0, 1, 1];
  const scores = [0.5, 0.5, 0.2, 0.9, 0.1];
  assert.equal(gauc(labels, scores, [3, 3, 3, 3, 3]), auc(labels, scores));
});

test('gauc: NaN when every group holds one class', () => {
  assert.ok(Number.isNaN(gauc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4], [1, 1, 2, 2])));
  assert.ok(Number.isNaN(gauc([], [], [])));
});

test('gauc: matches per-group AUC weighted by impressions on random data', () => {
  const random = new Random(11);
  const n = 2000;
  const labels = new Float32Array(n);
  const scores = new Float32Array(n);
  const groups = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    groups[i] = random.int(50);
    labels[i] = random.next() < 0.2 ? 1 : 0;
    scores[i] = Math.round(random.normal() * 3) / 3;
  }
  let weightedSum = 0;
  let weight = 0;
  for (let g = 0; g < 50; g++) {
    const rows = [...groups.keys()].filter((i) => groups[i] === g);
    const groupAuc = auc(rows.map((i) => labels[i]), rows.map((i) => scores[i]));
    if (Number.isNaN(groupAuc)) continue;
    weightedSum += rows.length * groupAuc;
    weight += rows.length;
  }
  assertClose(gauc(labels, scores, groups), weightedSum / weight);
});

test('gauc: rejects missing or fractional group ids', () => {
  assert.throws(() => gauc([0, 1], [0.1, 0.2], [1]), isError(DataError, /groups has 1 entries/));
  assert.throws(() => gauc([0, 1], [0.1, 0.2], [1, 1.5]), isError(DataError, /groups\[1\] = 1.5/));
});
