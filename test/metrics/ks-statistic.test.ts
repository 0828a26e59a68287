import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kolmogorovSurvival, ksStatistic } from '../../src/metrics/ks-statistic.js';
import { DataError } from '../../src/errors.js';
import { assertClose, isError } from './assertions.js';

test('ks: worked example with ties from the docstring (D = 1/4, not the 1/2 a tie-blind walk gives)', () => {
  assert.equal(ksStatistic([1, 2, 2, 3], [2, 2, 2, 4]).statistic, 0.25);
});

test('ks: shifted samples and samples of different sizes', () => {
  // F_a - F_b = 1/2 at 2, 3 and 4.
  assert.equal(ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]).statistic, 0.5);
  // a = [0, 1] vs b = [1, 1, 1]: at 0, F_a = 1/2 and F_b = 0.
  assert.equal(ksStatistic([0, 1], [1, 1, 1]).statistic, 0.5);
  assert.equal(ksStatistic([1, 2, 3], [7, 8]).statistic, 1);
});

test('ks: identical samples (in any order) have D = 0 and p = 1', () => {
  const result = ksStatistic([0.3, 0.1, 0.2, 0.2], [0.2, 0.2, 0.1, 0.3]);
  assert.equal(result.statistic, 0);
  assert.equal(result.pValue, 1);
});

test("ks: Kolmogorov's survival function matches its series on both branches", () => {
  // Q(λ) = 2 (e^{-2λ²} - e^{-8λ²} + e^{-18λ²} - ...), summed to convergence by hand/calculator.
  assertClose(kolmogorovSurvival(0.5), 0.9639452436648751, 1e-9);
  assertClose(kolmogorovSurvival(1.0), 0.26999967167735456, 1e-9);
  assertClose(kolmogorovSurvival(1.5), 0.022217962616525127, 1e-9);
  assert.equal(kolmogorovSurvival(0), 1);
});

test('ks: p-value uses the effective size m = n_a n_b / (n_a + n_b)', () => {
  // D = 1/2, m = 2: λ = (sqrt 2 + 0.12 + 0.11 / sqrt 2) / 2.
  const { pValue } = ksStatistic([1, 2, 3, 4], [3, 4, 5, 6]);
  assertClose(pValue, kolmogorovSurvival((Math.SQRT2 + 0.12 + 0.11 / Math.SQRT2) / 2));
  assert.ok(pValue > 0.5 && pValue < 1, `p ${pValue}`);
});

test('ks: rejects NaN and empty samples, naming the sample', () => {
  assert.throws(() => ksStatistic([1, NaN], [1]), isError(DataError, /ks: a\[1\] is NaN/));
  assert.throws(() => ksStatistic([1], []), isError(DataError, /ks: b is empty/));
});
