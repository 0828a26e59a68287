/**
 * Two-sample Kolmogorov-Smirnov statistic: the largest gap between the empirical distribution
 * functions of samples a and b,
 *
 *   D = sup_x |F_a(x) - F_b(x)|,   F_s(x) = #{ v in s : v <= x } / |s|,
 *
 * computed exactly by walking both sorted samples together; equal values are consumed from both
 * samples before the gap is measured, so ties never open a gap that F does not have. The p-value
 * is the asymptotic one (Numerical Recipes 14.3): Q_KS((sqrt(m) + 0.12 + 0.11 / sqrt(m)) D)
 * with m = n_a n_b / (n_a + n_b); it is the chance of a D this large if both samples came from one
 * continuous distribution, and is rough for samples of a few dozen values.
 *
 * Example: a = [1, 2, 2, 3], b = [2, 2, 2, 4]. F_a - F_b is 1/4 - 0 at 1, 3/4 - 3/4 at 2, 1 - 3/4
 * at 3 and 0 from 4 on, so D = 1/4.
 */
import { DataError } from '../errors.js';
import { checkNotNaN } from './check-inputs.js';

export interface KsResult {
  statistic: number;
  /** Asymptotic two-sided p-value of `statistic`. */
  pValue: number;
}

/**
 * Kolmogorov's survival function Q(λ) = 2 Σ_{j>=1} (-1)^{j-1} exp(-2 j² λ²) = P(K > λ); for small
 * λ, where that series converges slowly, its Jacobi-transformed form
 * 1 - sqrt(2π)/λ Σ_{j>=1} exp(-(2j-1)² π² / (8 λ²)).
 */
export function kolmogorovSurvival(lambda: number): number {
  if (lambda <= 0) return 1;
  let sum = 0;
  if (lambda < 1.18) {
    for (let j = 1; j <= 6; j++) sum += Math.exp(-((2 * j - 1) ** 2) * Math.PI ** 2 / (8 * lambda * lambda));
    return Math.min(1, Math.max(0, 1 - (Math.sqrt(2 * Math.PI) / lambda) * sum));
  }
  for (let j = 1; j <= 100; j++) {
    const term = Math.exp(-2 * j * j * lambda * lambda);
    sum += j % 2 === 1 ? term : -term;
    if (term < 1e-17) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** D and its asymptotic p-value for samples `a` and `b` (any lengths >= 1, no NaN). O((n_a + n_b) log). */
export function ksStatistic(a: ArrayLike<number>, b: ArrayLike<number>): KsResult {
  checkNotNaN('ks', 'a', a);
  checkNotNaN('ks', 'b', b);
  if (a.length === 0 || b.length === 0) throw new DataError(`ks: ${a.length === 0 ? 'a' : 'b'} is empty`, { field: a.length === 0 ? 'a' : 'b' });
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  let i = 0;
  let j = 0;
  let statistic = 0;
  while (i < sa.length && j < sb.length) {
    const x = Math.min(sa[i]!, sb[j]!);
    while (i < sa.length && sa[i] === x) i++;
    while (j < sb.length && sb[j] === x) j++;
    statistic = Math.max(statistic, Math.abs(i / sa.length - j / sb.length));
  }
  const m = (sa.length * sb.length) / (sa.length + sb.length);
  const root = Math.sqrt(m);
  return { statistic, pValue: kolmogorovSurvival((root + 0.12 + 0.11 / root) * statistic) };
}
