/**
 * Kendall's tau-b between two scorings of the same items, with ties:
 *
 *   tau_b = (C - D) / sqrt((P - T_a) (P - T_b))
 *
 * over the P = n (n - 1) / 2 pairs, C concordant, D discordant, T_a pairs tied in a, T_b pairs
 * tied in b (a pair tied in both counts in both). Computed in O(n log n) by Knight's method: sort
 * by (a, b), then D is the number of inversions of b in that order, counted by merge sort.
 * NaN for fewer than 2 items or when either scoring ties every pair.
 *
 * Example: a = [1, 1, 2, 3], b = [2, 1, 1, 3]. Pairs (0,1) tie in a, (1,2) tie in b, (0,2) is
 * discordant, the other 3 concordant: tau_b = (3 - 1) / sqrt(5 * 5) = 0.4.
 */
import { checkNotNaN, checkPaired } from './check-inputs.js';

/** Pairs among the runs of equal values of `sorted` (ascending). */
function tiedPairs(sorted: Float64Array): number {
  let pairs = 0;
  for (let start = 0; start < sorted.length; ) {
    let end = start + 1;
    while (end < sorted.length && sorted[end] === sorted[start]) end++;
    pairs += ((end - start) * (end - start - 1)) / 2;
    start = end;
  }
  return pairs;
}

/** Sorts `values` ascending in place and returns the number of pairs i < j with values[i] > values[j]. */
function sortCountingInversions(values: Float64Array): number {
  let inversions = 0;
  let from: Float64Array = values;
  let to: Float64Array = new Float64Array(values.length);
  for (let width = 1; width < values.length; width *= 2) {
    for (let lo = 0; lo < values.length; lo += 2 * width) {
      const mid = Math.min(lo + width, values.length);
      const hi = Math.min(lo + 2 * width, values.length);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        if (from[i]! <= from[j]!) to[k++] = from[i++]!;
        else {
          inversions += mid - i;
          to[k++] = from[j++]!;
        }
      }
      while (i < mid) to[k++] = from[i++]!;
      while (j < hi) to[k++] = from[j++]!;
    }
    [from, to] = [to, from];
  }
  if (from !== values) values.set(from);
  return inversions;
}

/** Kendall's tau-b of paired scorings `a` and `b` (no NaN). O(n log n). */
export function kendallTauB(a: ArrayLike<number>, b: ArrayLike<number>): number {
  checkPaired('kendall tau', a, b);
  checkNotNaN('kendall tau', 'a', a);
  checkNotNaN('kendall tau', 'b', b);
  const n = a.length;
  if (n < 2) return NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((i, j) => a[i]! - a[j]! || b[i]! - b[j]!);
  const sortedA = Float64Array.from(order, (i) => a[i]!);
  const byAThenB = Float64Array.from(order, (i) => b[i]!);
  // Pairs tied in both: runs of equal (a, b) in the (a, b) order.
  let tiedBoth = 0;
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && sortedA[end] === sortedA[start] && byAThenB[end] === byAThenB[start]) end++;
    tiedBoth += ((end - start) * (end - start - 1)) / 2;
    start = end;
  }
  const tiedA = tiedPairs(sortedA);
  const discordant = sortCountingInversions(byAThenB);
  const tiedB = tiedPairs(byAThenB);
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedA) * (pairs - tiedB));
  if (denominator === 0) return NaN;
  return (pairs - tiedA - tiedB + tiedBoth - 2 * discordant) / denominator;
}
