/**
 * NDCG@K, averaged over queries. Within a query, rows are ranked by descending score (equal
 * scores keep their original order, lower index first; see score-order.ts), and
 *
 *   DCG@K  = sum_{r=1..min(K, n)} (2^rel_r - 1) / log2(r + 1)
 *   NDCG@K = DCG@K / IDCG@K
 *
 * where IDCG@K is the DCG@K of the same labels sorted by descending relevance. Queries with
 * IDCG@K = 0 (no relevant row) are skipped; the result is NaN when every query is skipped.
 *
 * Example: one query, rows already in score order with relevances [3, 2, 3, 0, 1, 2], K = 3.
 * DCG@3 = 7 + 3/log2(3) + 7/2 = 12.3928; ideal order [3, 3, 2, ...] gives
 * IDCG@3 = 7 + 7/log2(3) + 3/2 = 12.9165; NDCG@3 = 0.959454.
 */
import { checkCutoff, checkGradedLabels, checkGroups, checkLength, checkNotNaN } from './check-inputs.js';
import { groupRunEnd, orderByScore } from './score-order.js';

/**
 * Mean NDCG@k over the queries in `groups` (integer query ids, rows in any order), with graded
 * relevance `labels` (finite, >= 0) and gain 2^rel - 1. O(n log n).
 */
export function ndcgAtK(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  k: number,
): number {
  const metric = `ndcg@${k}`;
  checkCutoff(metric, k);
  checkLength(metric, 'scores', scores, labels.length);
  checkGroups(metric, groups, labels.length);
  checkGradedLabels(metric, labels);
  checkNotNaN(metric, 'scores', scores);
  const order = orderByScore(scores, 'descending', groups);
  const discounts = new Float64Array(Math.min(k, order.length));
  for (let r = 0; r < discounts.length; r++) discounts[r] = 1 / Math.log2(r + 2);
  // Relevances of the current query, sorted ascending to read the ideal ranking from the end.
  const relevance = new Float64Array(order.length);
  let sum = 0;
  let queries = 0;
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, groups, start);
    const cutoff = Math.min(k, end - start);
    let dcg = 0;
    for (let r = 0; r < cutoff; r++) dcg += (2 ** labels[order[start + r]] - 1) * discounts[r];
    for (let i = start; i < end; i++) relevance[i] = labels[order[i]];
    const ideal = relevance.subarray(start, end).sort();
    let idealDcg = 0;
    for (let r = 0; r < cutoff; r++) idealDcg += (2 ** ideal[ideal.length - 1 - r] - 1) * discounts[r];
    if (idealDcg > 0) {
      sum += dcg / idealDcg;
      queries++;
    }
    start = end;
  }
  return queries === 0 ? NaN : sum / queries;
}
