/**
 * Pairwise ranking losses (keras-rs PairwiseHingeLoss, PairwiseLogisticLoss,
 * PairwiseSoftZeroOneLoss). For each list with scores s and labels y,
 *
 *   loss = sum_i sum_j I(y_i > y_j) · ℓ((s_i - s_j) / T)        over valid items i, j
 *
 * summed over the lists and divided by the number of valid items, which is keras-rs'
 * "sum_over_batch_size" of its per-item losses when no item is ignored. (keras-rs divides by
 * every slot, ignored ones included; we count only valid items so that padding a list changes
 * nothing.) Equal labels form no pair.
 *
 * Example (keras-rs' test list): y = [1, 0, 1, 3, 2], s = [1, 3, 2, 4, 0.8], T = 1:
 * hinge 2.32, logistic 1.70708, soft zero-one 0.86103.
 */
import type { Sym } from '../engine/graph.js';
import { div, max, mul, neg, reduceSum, relu, scale, sigmoid, sigmoidCrossEntropy, sub, unsqueeze } from '../engine/ops.js';
import { labelGreater, RankingLoss, validItems, type RankingLossConfig } from './ranking-loss.js';

export abstract class PairwiseLoss extends RankingLoss {
  /** ℓ(d) elementwise on the score differences d = (s_i - s_j) / T. */
  protected abstract pairLoss(differences: Sym): Sym;

  apply(scores: Sym, labels: Sym, mask?: Sym): Sym {
    this.listSize(scores, labels, mask);
    const valid = validItems(labels, mask);
    const pairs = mul(labelGreater(labels), mul(unsqueeze(valid, [2]), unsqueeze(valid, [1])));
    const differences = scale(sub(unsqueeze(scores, [2]), unsqueeze(scores, [1])), 1 / this.temperature);
    const total = reduceSum(mul(pairs, this.pairLoss(differences)), [0, 1, 2]);
    // At least 1: a batch whose items are all ignored has loss 0, not 0/0.
    const count = max(reduceSum(valid, [0, 1]), scores.graph.scalar(1));
    return div(total, count);
  }
}

/** ℓ(d) = max(0, 1 - d). */
export class PairwiseHingeLoss extends PairwiseLoss {
  readonly className = 'PairwiseHingeLoss';

  static fromConfig(config: RankingLossConfig): PairwiseHingeLoss {
    return new PairwiseHingeLoss(config);
  }

  protected pairLoss(d: Sym): Sym {
    return relu(sub(d.graph.scalar(1), d));
  }
}

/**
 * ℓ(d) = log(1 + exp(-d)), written as the sigmoid cross-entropy of logit d with label 1: stable
 * for any d, and its gradient sigmoid(d) - 1 is exact at d = 0 (relu + abs pieces would give 0
 * there, and equal scores are common at initialisation).
 */
export class PairwiseLogisticLoss extends PairwiseLoss {
  readonly className = 'PairwiseLogisticLoss';

  static fromConfig(config: RankingLossConfig): PairwiseLogisticLoss {
    return new PairwiseLogisticLoss(config);
  }

  protected pairLoss(d: Sym): Sym {
    return sigmoidCrossEntropy(d, d.graph.scalar(1));
  }
}

/** ℓ(d) = 1 - sigmoid(d) = sigmoid(-d): a smooth count of mis-ordered pairs. */
export class PairwiseSoftZeroOneLoss extends PairwiseLoss {
  readonly className = 'PairwiseSoftZeroOneLoss';

  static fromConfig(config: RankingLossConfig): PairwiseSoftZeroOneLoss {
    return new PairwiseSoftZeroOneLoss(config);
  }

  protected pairLoss(d: Sym): Sym {
    return sigmoid(neg(d));
  }
}
