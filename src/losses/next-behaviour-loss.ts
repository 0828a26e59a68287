/**
 * DIEN's auxiliary loss (Zhou et al. 2019, eq. 6): each interest state h_t should score the next
 * behaviour e_{t+1} above a randomly sampled item ê_{t+1}, by inner product,
 *   L_aux = −mean_t [log σ(h_t·e_{t+1}) + log(1 − σ(h_t·ê_{t+1}))],
 * the mean over the pairs (row, t) where behaviours t and t+1 are both real (the paper sums over
 * t; a mean keeps α independent of the history length). A row without two real behaviours adds
 * nothing; a batch without any pair has loss 0.
 *
 * Example: one row, h = [[1, 0], [0, 1], ·], e = [·, [2, 0], [0, 1]], ê = [·, [0, 3], [1, 1]],
 * mask [1, 1, 1] (positions from 0): h_0 scores e_1 2 and ê_1 0, h_1 scores e_2 1 and ê_2 1, so
 * L_aux = ((softplus(−2) + softplus(0)) + (softplus(−1) + softplus(1))) / 2 = 1.2233.
 */
import type { Sym } from '../engine/graph.js';
import { add, mul, reduceSum, sigmoidCrossEntropy, slice } from '../engine/ops.js';
import { maskedMean } from '../train/multi-task-loss.js';

/** states, positives, negatives (batch, L, d) with the same d; mask (batch, L): a scalar. */
export function nextBehaviourLoss(states: Sym, positives: Sym, negatives: Sym, mask: Sym): Sym {
  const g = states.graph;
  const length = positives.shape[1] as number;
  const before = slice(states, 1, 0, length - 1);
  const score = (items: Sym) => reduceSum(mul(before, slice(items, 1, 1, length)), [2]);
  const perStep = add(sigmoidCrossEntropy(score(positives), g.scalar(1)), sigmoidCrossEntropy(score(negatives), g.scalar(0)));
  return maskedMean(perStep, mul(slice(mask, 1, 0, length - 1), slice(mask, 1, 1, length)));
}
