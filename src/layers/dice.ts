/**
 * Dice, DIN's data-adaptive activation (Zhou et al. 2018):
 *   p(x) = sigmoid((x − E[x]) / sqrt(Var[x] + ε)),   y = p(x)·x + (1 − p(x))·α·x,
 * per channel (last axis), α learnable (starting at 0). A PReLU whose rectifying point follows the
 * data: E[x] and Var[x] are the batch's in training and running averages in eval and export, as
 * in BatchNormalization. Over a padded sequence, pass its mask so padding stays out of the
 * batch's statistics.
 */
import type { Sym } from '../engine/graph.js';
import { add, div, mul, sigmoid, sqrt, sub } from '../engine/ops.js';
import { batchStatistics } from './batch-normalization.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface DiceConfig extends LayerConfig {
  /** Of the running statistics (default 0.99). */
  momentum?: number;
  /** Default 1e-8, as in the paper. */
  epsilon?: number;
}

export class Dice extends Layer<DiceConfig> {
  readonly className = 'Dice';

  constructor(config: DiceConfig = {}) {
    super(config);
    check.rate('Dice', 'momentum', config.momentum ?? 0.99);
    check.nonNegative('Dice', 'epsilon', config.epsilon ?? 1e-8);
  }

  static fromConfig(config: DiceConfig): Dice {
    return new Dice(config);
  }

  /** `weights`, e.g. a sequence's mask as (batch, L, 1), picks the positions the batch's statistics count. */
  apply(ctx: BuildContext, x: Sym, weights?: Sym): Sym {
    const name = this.scope(ctx);
    const alpha = ctx.weight(`${name}/alpha`, [x.shape[x.rank - 1] as number], { kind: 'zeros' }, 0);
    const { mean, variance } = batchStatistics(ctx, name, x, this.config.momentum ?? 0.99, weights);
    const p = sigmoid(div(sub(x, mean), sqrt(add(variance, ctx.graph.scalar(this.config.epsilon ?? 1e-8)))));
    // p·x + (1 − p)·α·x = α·x + p·(x − α·x)
    const scaled = mul(alpha, x);
    return add(scaled, mul(p, sub(x, scaled)));
  }
}
