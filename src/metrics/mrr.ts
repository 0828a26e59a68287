/**
 * Mean reciprocal rank over queries. Within a query, rows are ranked by descending score (equal
 * scores keep their original order, lower index first; see score-order.ts); a row is relevant
 * when its label is > 0, and the query scores 1 / (1-based rank of its first relevant row).
 * Queries with no relevant row are skipped; the result is NaN when every query is skipped.
 *
 * Example: query A, labels [0, 0, 1] in score order, scores 1/3; query B, labels [1, 0] with
 * scores [0.2, 0.9], has its relevant row at rank 2 and scores 1/2; query C, labels [0, 0], is
 * skipped. MRR = (1/3 + 1/2) / 2 = 5/12.
 */
import { checkGroups, checkLength, checkNotNaN } from './check-inputs.js';
import { groupRunEnd, orderByScore } from './score-order.js';

/** Mean reciprocal rank over the queries in `groups` (integer query ids, rows in any order). O(n log n). */
export function mrr(labels: ArrayLike<number>, scores: ArrayLike<number>, groups: ArrayLike<number>): number {
  checkLength('mrr', 'scores', scores, labels.length);
  checkGroups('mrr', groups, labels.length);
  checkNotNaN('mrr', 'labels', labels);
  checkNotNaN('mrr', 'scores', scores);
  const order = orderByScore(scores, 'descending', groups);
  let sum = 0;
  let queries = 0;
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, groups, start);
    for (let i = start; i < end; i++) {
      if (labels[order[i]] > 0) {
        sum += 1 / (i - start + 1);
        queries++;
        break;
      }
    }
    start = end;
  }
  return queries === 0 ? NaN : sum / queries;
}
