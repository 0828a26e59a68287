/**
 * ListMLE (Xia et al. 2008; keras-rs ListMLELoss): the negative log-likelihood of the label order
 * under the Plackett-Luce model of the scores. With π the valid items of a list sorted by
 * descending label (equal labels keep their list order, as keras-rs' stable sort does),
 *
 *   loss = - sum_{r=1..n} log( exp(s_π(r) / T) / sum_{r'=r..n} exp(s_π(r') / T) )
 *
 * averaged over the lists that have at least one valid item (keras-rs averages over all lists;
 * an all-ignored list, like a padded item, changes nothing here).
 *
 * No sort is needed in the graph: the normaliser of item i sums over the items j at or after it
 * in π — [y_j < y_i] or [y_j = y_i and j >= i] — so each row of a (L, L) masked softmax holds one
 * item's Plackett-Luce choice, and the loss reads its own probability off the diagonal.
 *
 * Example: y = [2, 1, 0], s = [0, 0, 0]: choices among 3, 2, 1 equal items, loss = log 3 + log 2 + 0
 * = 1.791759. keras-rs' list y = [1, 0, 1, 3, 2], s = [1, 3, 2, 4, 0.8] gives 6.865693.
 */
import type { Sym } from '../engine/graph.js';
import { add, cast, div, greater, greaterOrEqual, log, max, mul, neg, reduceSum, scale, softmax, sub, unsqueeze, where } from '../engine/ops.js';
import { labelGreater, RankingLoss, validItems, type RankingLossConfig } from './ranking-loss.js';

export class ListMLELoss extends RankingLoss {
  readonly className = 'ListMLELoss';

  static fromConfig(config: RankingLossConfig): ListMLELoss {
    return new ListMLELoss(config);
  }

  apply(scores: Sym, labels: Sym, mask?: Sym): Sym {
    const size = this.listSize(scores, labels, mask);
    const graph = scores.graph;
    const valid = validItems(labels, mask);
    const greaterLabel = labelGreater(labels);
    const equalLabel = sub(cast(greaterOrEqual(unsqueeze(labels, [2]), unsqueeze(labels, [1])), labels.dtype), greaterLabel);
    const notBefore = graph.constant(square(size, (i, j) => j >= i), [size, size]);
    const diagonal = graph.constant(square(size, (i, j) => j === i), [size, size]);
    const follows = mul(add(greaterLabel, mul(equalLabel, notBefore)), unsqueeze(valid, [1]));

    const logits = unsqueeze(scale(scores, 1 / this.temperature), [1]);
    // exp(-1e9) is exactly 0 in float32 and float64: items outside the normaliser drop out.
    const choice = softmax(where(greater(follows, graph.scalar(0)), logits, graph.scalar(-1e9)), -1);
    // The floor only guards log(0) on ignored rows (masked to 0 below) and on probabilities
    // beyond float range; it never binds for an ordinary valid item.
    const logChosen = log(max(reduceSum(mul(choice, diagonal), [2]), graph.scalar(1e-30)));
    const negLogLikelihood = neg(reduceSum(mul(logChosen, valid), [0, 1]));

    const listsWithItems = reduceSum(cast(greater(reduceSum(valid, [1]), graph.scalar(0)), scores.dtype), [0]);
    return div(negLogLikelihood, max(listsWithItems, graph.scalar(1)));
  }
}

function square(size: number, entry: (i: number, j: number) => boolean): number[] {
  return Array.from({ length: size * size }, (_, k) => (entry(Math.floor(k / size), k % size) ? 1 : 0));
}
