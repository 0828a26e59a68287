/**
 * Batch normalization over every axis but the last, written with primitive ops:
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta. Training uses the batch's statistics and
 * reports them so the trainer updates the running ones; eval and export use the running ones.
 */
import type { Sym } from '../engine/graph.js';
import { add, mul, reduceMean, reshape, sqrt, sub, div, square } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface BatchNormalizationConfig extends LayerConfig {
  momentum?: number;
  epsilon?: number;
}

export class BatchNormalization extends Layer<BatchNormalizationConfig> {
  readonly className = 'BatchNormalization';

  constructor(config: BatchNormalizationConfig = {}) {
    super(config);
    check.rate('BatchNormalization', 'momentum', config.momentum ?? 0.99);
    check.nonNegative('BatchNormalization', 'epsilon', config.epsilon ?? 1e-3);
  }

  static fromConfig(config: BatchNormalizationConfig): BatchNormalization {
    return new BatchNormalization(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    const channels = x.shape[x.rank - 1] as number;
    const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
    const gamma = ctx.weight(`${name}/gamma`, [channels], { kind: 'ones' }, 0);
    const beta = ctx.weight(`${name}/beta`, [channels], { kind: 'zeros' }, 0);
    const epsilon = ctx.graph.scalar(this.config.epsilon ?? 1e-3);
    let mean: Sym;
    let variance: Sym;
    if (ctx.training) {
      mean = reduceMean(x, axes, true);
      variance = reduceMean(square(sub(x, mean)), axes, true);
      const momentum = this.config.momentum ?? 0.99;
      ctx.state(`${name}/moving_mean`, [channels], { kind: 'zeros' });
      ctx.state(`${name}/moving_variance`, [channels], { kind: 'ones' });
      ctx.updateState(`${name}/moving_mean`, reshape(mean, [channels]), momentum);
      ctx.updateState(`${name}/moving_variance`, reshape(variance, [channels]), momentum);
    } else {
      mean = ctx.state(`${name}/moving_mean`, [channels], { kind: 'zeros' });
      variance = ctx.state(`${name}/moving_variance`, [channels], { kind: 'ones' });
    }
    return add(mul(div(sub(x, mean), sqrt(add(variance, epsilon))), gamma), beta);
  }
}
