/**
 * Overlap of the top K of two scorings of the same items:
 *
 *   Jaccard@K = |top_K(a) ∩ top_K(b)| / |top_K(a) ∪ top_K(b)|
 *
 * where top_K takes the K highest scores (all items when there are fewer than K); equal scores
 * keep row order, the lower index first (score-order.ts), so the result is deterministic.
 *
 * Example: a = [0.9, 0.8, 0.7, 0.1], b = [0.1, 0.8, 0.7, 0.9], K = 2: top_2(a) = {0, 1},
 * top_2(b) = {3, 1}, Jaccard@2 = 1 / 3.
 */
import { ConfigError } from '../errors.js';
import { checkNotNaN, checkPaired } from './check-inputs.js';
import { orderByScore } from './score-order.js';

/** Jaccard@K of paired scorings `a` and `b` (no NaN); NaN for no items. O(n log n). */
export function jaccardAtK(a: ArrayLike<number>, b: ArrayLike<number>, k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new ConfigError(`jaccard@k: k = ${k}; expected a positive integer`, { field: 'k' });
  checkPaired('jaccard@k', a, b);
  checkNotNaN('jaccard@k', 'a', a);
  checkNotNaN('jaccard@k', 'b', b);
  if (a.length === 0) return NaN;
  const size = Math.min(k, a.length);
  const topA = new Set(orderByScore(a, 'descending').subarray(0, size));
  let shared = 0;
  for (const row of orderByScore(b, 'descending').subarray(0, size)) if (topA.has(row)) shared++;
  return shared / (2 * size - shared);
}
