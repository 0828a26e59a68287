/**
 * Group AUC (gAUC): the AUC of each group (user, query or session), averaged with the group's
 * number of impressions (rows) as weight:
 *
 *   gAUC = sum_g n_g AUC_g / sum_g n_g,   over groups g holding both a positive and a negative
 *
 * Groups with only one class have no defined AUC and are skipped: they count in neither the sum
 * nor the weights. gAUC is NaN when every group is skipped.
 *
 * Example: group 1 has labels [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8] (AUC 0.75, 4 rows);
 * group 2 has labels [1, 0, 0], scores [0.9, 0.3, 0.5] (AUC 1, 3 rows); group 3 has labels
 * [0, 0] (skipped). gAUC = (4 * 0.75 + 3 * 1) / 7 = 6/7.
 */
import { aucOfOrderedRun } from './auc.js';
import { checkBinaryLabels, checkGroups, checkLength, checkNotNaN } from './check-inputs.js';
import { groupRunEnd, orderByScore } from './score-order.js';

/**
 * Impression-weighted mean of per-group AUC. `groups[i]` is the integer group id of row i; rows
 * of a group may be anywhere in the input. Labels must be 0 or 1. O(n log n).
 */
export function gauc(labels: ArrayLike<number>, scores: ArrayLike<number>, groups: ArrayLike<number>): number {
  checkLength('gauc', 'scores', scores, labels.length);
  checkGroups('gauc', groups, labels.length);
  checkBinaryLabels('gauc', labels);
  checkNotNaN('gauc', 'scores', scores);
  const order = orderByScore(scores, 'ascending', groups);
  let weightedSum = 0;
  let weight = 0;
  for (let start = 0; start < order.length; ) {
    const end = groupRunEnd(order, groups, start);
    const groupAuc = aucOfOrderedRun(labels, scores, order, start, end);
    if (!Number.isNaN(groupAuc)) {
      weightedSum += (end - start) * groupAuc;
      weight += end - start;
    }
    start = end;
  }
  return weight === 0 ? NaN : weightedSum / weight;
}
