/**
 * Recall@K, averaged over queries. Within a query, rows are ranked by descending score (equal
 * scores keep their original order, lower index first; see score-order.ts); a row is relevant
 * when its label is > 0, and
 *
 *   Recall@K = |relevant rows in the top K| / |relevant rows in the query|
 *
 * The denominator is every relevant row, so a query with more than K relevant rows cannot reach
 * 1. Queries with no relevant row are skipped; the result is NaN when every query is skipped.
 *
 * Example, K = 2: query A, labels [1, 0, 1, 0, 1] in score order, has 1 of its 3 relevant rows
 * in the top 2 (1/3); query B, labels [0, 1], has all (1); query C, labels [0, 0], is skipped.
 * Recall@2 = (1/3 + 1) / 2 = 2/3.
 */
import { checkCutoff, checkGroups, checkLength, checkNotNaN } from './check-inputs.js';
import { groupRunEnd, orderByScore } from './score-order.js';

/** Mean Recall@k over the queries in `groups` (integer query ids, rows in any order). O(n log n). */
export function recallAtK(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  groups: ArrayLike<number>,
  k: number,
): number {
  const metric = `recall@${k}`;
  checkCutoff(metric, k);
  checkLength(metric, 'scores', scores, labels.length);
  checkGroups(metric, groups, labels.length);
  checkNotNaN(metric, 'labels', labels);
  checkNotNaN(metric, 'scores', scores);
  const order = orderByScore(scores, 'descending', groups);
  let sum = 0;
  let queries = 0;
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, groups, start);
    let relevant = 0;
    let retrieved = 0;
    for (let i = start; i < end; i++) {
      if (labels[order[i]] > 0) {
        relevant++;
        if (i - start < k) retrieved++;
      }
    }
    if (relevant > 0) {
      sum += retrieved / relevant;
      queries++;
    }
    start = end;
  }
  return queries === 0 ? NaN : sum / queries;
}
