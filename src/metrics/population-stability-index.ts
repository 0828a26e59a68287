/**
 * Population stability index of `actual` against `expected`: both samples are binned at the
 * expected sample's quantiles 1/k .. (k-1)/k (linear interpolation, repeated boundaries dropped,
 * bins left-closed: bucket = number of boundaries <= x, as bucketize does), and
 *
 *   PSI = Σ_bins (b - a) ln(b / a)
 *
 * over the fractions a (expected) and b (actual) in each bin. A bin one sample leaves empty counts
 * as holding a fraction EMPTY_BIN_FRACTION = 1e-4 of it, which keeps the log finite (so one empty
 * bin adds at most about |other fraction| * 9.2). Rules of thumb: < 0.1 stable, 0.1-0.25 some
 * shift, > 0.25 a large shift.
 *
 * Example: expected 1..10 with k = 2 has one boundary 5.5, so a = (0.5, 0.5); actual
 * [1, 1, 1, 1, 1, 1, 1, 1, 6, 7] has b = (0.8, 0.2), and
 * PSI = 0.3 ln(1.6) + (-0.3) ln(0.4) = 0.4159.
 */
import { ConfigError, DataError } from '../errors.js';
import { bucketOf, quantileBoundaries } from '../data/numeric-transform.js';
import { checkNotNaN } from './check-inputs.js';

export const EMPTY_BIN_FRACTION = 1e-4;

/** PSI of `actual` against `expected` with `bins` quantile bins of `expected` (default 10). O(n log n). */
export function populationStabilityIndex(expected: ArrayLike<number>, actual: ArrayLike<number>, bins = 10): number {
  if (!Number.isInteger(bins) || bins < 2) throw new ConfigError(`psi: bins = ${bins}; expected an integer >= 2`, { field: 'bins' });
  checkNotNaN('psi', 'expected', expected);
  checkNotNaN('psi', 'actual', actual);
  if (expected.length === 0 || actual.length === 0) {
    const field = expected.length === 0 ? 'expected' : 'actual';
    throw new DataError(`psi: ${field} is empty`, { field });
  }
  const boundaries = quantileBoundaries(expected, bins);
  const fractions = (values: ArrayLike<number>) => {
    const counts = new Float64Array(boundaries.length + 1);
    for (let i = 0; i < values.length; i++) counts[bucketOf(boundaries, values[i]!)]! += 1;
    return counts.map((count) => (count === 0 ? EMPTY_BIN_FRACTION : count / values.length));
  };
  const a = fractions(expected);
  const b = fractions(actual);
  let psi = 0;
  for (let i = 0; i < a.length; i++) psi += (b[i]! - a[i]!) * Math.log(b[i]! / a[i]!);
  return psi;
}
