import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NumericStep } from '../../src/data/data-config.js';
import { NumericTransform, bucketOf, quantileBoundaries } from '../../src/data/numeric-transform.js';
import { ArtifactError, DataError } from '../../src/errors.js';
import { expectError } from './fixtures.js';

const locate = (i: number) => ({ file: 'train.csv', row: i + 1, field: 'x' });
const fit = (steps: NumericStep[], values: number[], fill?: number) =>
  NumericTransform.fit(steps, Float64Array.from(values), { fill, locate });

test('fill defaults to the training mean and replaces missing values', () => {
  const t = fit([], [1, 2, 3, 4, NaN]);
  assert.equal(t.fill, 2.5);
  assert.equal(t.apply(NaN), 2.5);
  assert.equal(t.apply(7), 7);
  assert.equal(fit([], [NaN, 5], -1).apply(NaN), -1);
});

test('standardize uses mean and population std of the filled training values', () => {
  // filled: [1, 2, 3, 4, 2.5]; mean 2.5; variance (2.25 + 0.25 + 0.25 + 2.25 + 0) / 5 = 1
  const t = fit(['standardize'], [1, 2, 3, 4, NaN]);
  assert.deepEqual(t.steps, [{ kind: 'standardize', mean: 2.5, std: 1 }]);
  assert.equal(t.apply(4), 1.5);
  assert.equal(t.apply(1), -1.5);
  assert.equal(t.apply(NaN), 0);
  // [1, 2, 3, 4]: std sqrt(1.25)
  // the docstring example: [1, 2, 3, 4] -> std sqrt(1.25) = 1.1180; 4 -> 1.3416, missing -> 0
  const u = fit(['standardize'], [1, 2, 3, 4]);
  assert.ok(Math.abs(u.apply(4) - 1.5 / Math.sqrt(1.25)) < 1e-12);
  assert.equal(u.apply(4).toFixed(4), '1.3416');
  assert.equal(u.apply(NaN), 0);
  // constant column: std 0 is replaced by 1
  assert.deepEqual(fit(['standardize'], [3, 3, 3]).steps, [{ kind: 'standardize', mean: 3, std: 1 }]);
});

test('clip then log1p, and statistics after earlier steps', () => {
  const t = fit([{ clip: [0, 10] }, 'log1p'], [5]);
  assert.equal(t.apply(20), Math.log(11));
  assert.equal(t.apply(-5), 0);
  assert.ok(Math.abs(fit(['log1p'], [0]).apply(Math.E - 1) - 1) < 1e-12);
  // standardize after log1p is fitted on log1p values: log1p([0, e-1]) = [0, 1], mean 0.5, std 0.5
  const s = fit(['log1p', 'standardize'], [0, Math.E - 1]);
  const step = s.steps[1] as { mean: number; std: number };
  assert.ok(Math.abs(step.mean - 0.5) < 1e-12 && Math.abs(step.std - 0.5) < 1e-12);
});

test('bucketize counts the boundaries <= x', () => {
  const t = fit([{ bucketize: [18, 25, 35] }], [20]);
  assert.equal(t.bucketized, true);
  assert.equal(t.cardinality, 4);
  assert.deepEqual([17, 18, 24.9, 25, 35, 100].map((x) => t.apply(x)), [0, 1, 1, 2, 3, 3]);
  assert.equal(bucketOf([], 5), 0);
  assert.equal(fit([], [1]).bucketized, false);
  assert.equal(fit([], [1]).cardinality, 0);
});

test('quantile boundaries are fitted on the training values', () => {
  // 1..10, n = 4: positions 2.25, 4.5, 6.75 -> 3.25, 5.5, 7.75
  assert.deepEqual(quantileBoundaries(Float64Array.from([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]), 4), [3.25, 5.5, 7.75]);
  const t = fit([{ bucketize: { quantiles: 4 } }], [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual(t.steps, [{ kind: 'bucketize', boundaries: [3.25, 5.5, 7.75] }]);
  assert.deepEqual([3, 3.25, 6, 8].map((x) => t.apply(x)), [0, 1, 2, 3]);
  // repeated boundaries collapse
  assert.deepEqual(quantileBoundaries(Float64Array.from([1, 1, 1, 1, 2]), 4), [1]);
});

test('a value that becomes non-finite is a DataError at its row', async () => {
  await expectError(() => fit(['log1p'], [0, 3, -2]), { type: DataError, file: 'train.csv', row: 3, field: 'x', message: /-2.*log1p/ });
  await expectError(() => fit([], [1, Infinity]), { type: DataError, row: 2, message: /Infinity/ });
  const t = fit(['log1p'], [0, 1]);
  await expectError(() => t.column(Float64Array.from([1, -1]), (i) => ({ file: 'new.csv', row: i + 1, field: 'x' })), {
    type: DataError,
    file: 'new.csv',
    row: 2,
    field: 'x',
  });
  await expectError(() => fit([], [NaN, NaN]), { type: DataError, field: 'x', message: /set fill/ });
});

test('JSON round-trip applies identically', () => {
  const t = fit([{ clip: [-5, 50] }, 'log1p', 'standardize'], [0, 1, 2, 40, NaN]);
  const back = NumericTransform.fromJSON(JSON.parse(JSON.stringify(t.toJSON())));
  for (const x of [NaN, -10, 0, 3.3, 49, 1000]) assert.equal(back.apply(x), t.apply(x));
  const b = fit([{ bucketize: { quantiles: 3 } }], [1, 2, 3, 4, 5, 6]);
  assert.deepEqual(NumericTransform.fromJSON(b.toJSON()).toJSON(), b.toJSON());
  assert.throws(() => NumericTransform.fromJSON({ fill: 0, steps: [{ kind: 'sqrt' }] }), ArtifactError);
});
