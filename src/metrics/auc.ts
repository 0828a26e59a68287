/**
 * Exact area under the ROC curve, by the Mann-Whitney rank-sum identity:
 *
 *   AUC = (R+ - n+ (n+ + 1) / 2) / (n+ n-)
 *
 * where R+ is the sum of the 1-based ascending ranks of the positive rows, and rows with equal
 * scores all get the average of the ranks they span. That equals the probability that a random
 * positive scores above a random negative, counting a tie as one half.
 *
 * Example: labels [0, 0, 1, 1], scores [0.1, 0.4, 0.35, 0.8]. Ranks of the positives are 2 and
 * 4, so AUC = (6 - 3) / (2 * 2) = 0.75 (of the 4 positive/negative pairs, 3 are ordered right).
 */
import { checkBinaryLabels, checkLength, checkNotNaN } from './check-inputs.js';
import { orderByScore } from './score-order.js';

/**
 * ROC AUC of binary `labels` (each 0 or 1) against `scores` (any monotone score: logits or
 * probabilities). O(n log n). Returns NaN when there are no positives or no negatives.
 */
export function auc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  checkLength('auc', 'scores', scores, labels.length);
  checkBinaryLabels('auc', labels);
  checkNotNaN('auc', 'scores', scores);
  return aucOfOrderedRun(labels, scores, orderByScore(scores, 'ascending'), 0, labels.length);
}

/**
 * AUC of the rows `order[start..end)`, which must be sorted by ascending score. Labels must be
 * 0/1 (already checked). NaN when the run holds only one class. Shared with gAUC.
 */
export function aucOfOrderedRun(
  labels: ArrayLike<number>,
  scores: ArrayLike<number>,
  order: Uint32Array,
  start: number,
  end: number,
): number {
  let positives = 0;
  let positiveRankSum = 0;
  let i = start;
  while (i < end) {
    // [i, j) is a run of equal scores; its rows share the average of ranks i-start+1 .. j-start.
    const score = scores[order[i]];
    let j = i;
    let positivesInRun = 0;
    while (j < end && scores[order[j]] === score) {
      positivesInRun += labels[order[j]];
      j++;
    }
    positiveRankSum += (positivesInRun * (i - start + 1 + (j - start))) / 2;
    positives += positivesInRun;
    i = j;
  }
  const negatives = end - start - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}
