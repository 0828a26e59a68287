/** The ranking losses by the names configs use (train.listwise.loss). */
import { ConfigError } from '../errors.js';
import { ListMLELoss } from './list-mle-loss.js';
import { PairwiseHingeLoss, PairwiseLogisticLoss, PairwiseSoftZeroOneLoss } from './pairwise-losses.js';
import type { RankingLoss, RankingLossConfig } from './ranking-loss.js';

const LOSSES = {
  listmle: ListMLELoss,
  'pairwise-hinge': PairwiseHingeLoss,
  'pairwise-logistic': PairwiseLogisticLoss,
  'pairwise-soft-zero-one': PairwiseSoftZeroOneLoss,
} as const;

export type RankingLossName = keyof typeof LOSSES;
export const RANKING_LOSSES = Object.keys(LOSSES) as [RankingLossName, ...RankingLossName[]];

export function rankingLoss(name: RankingLossName, config: RankingLossConfig = {}): RankingLoss {
  const loss = LOSSES[name];
  if (!loss) throw new ConfigError(`unknown ranking loss '${name}'; one of: ${RANKING_LOSSES.join(', ')}`, { field: 'loss' });
  return loss.fromConfig(config);
}
