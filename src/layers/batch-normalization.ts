/**
 * Batch normalization over every axis but the last, written with primitive ops:
 * y = (x - mean) / sqrt(var + epsilon) * gamma + beta. Training uses the batch's statistics and
 * reports them so the trainer updates the running ones; eval and export use the running ones.
 */
import type { Sym } from '../engine/graph.js';
import { add, div, max, mul, reduceMean, reduceSum, reshape, sqrt, square, sub } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface BatchNormalizationConfig extends LayerConfig {
  momentum?: number;
  epsilon?: number;
}

/**
 * Per-channel (last axis) mean and variance: in training the batch's, reported so the trainer
 * moves the running statistics `${name}/moving_mean` and `${name}/moving_variance` toward them
 * by (1 - momentum); in eval and export the running ones. With `weights` (broadcastable to x,
 * e.g. a padding mask of
 * shape (batch, L, 1)), only positions of weight 1 count in the batch's statistics.
 */
export function batchStatistics(ctx: BuildContext, name: string, x: Sym, momentum: number, weights?: Sym): { mean: Sym; variance: Sym } {
  const channels = x.shape[x.rank - 1] as number;
  if (!ctx.training) {
    return { mean: ctx.state(`${name}/moving_mean`, [channels], { kind: 'zeros' }), variance: ctx.state(`${name}/moving_variance`, [channels], { kind: 'ones' }) };
  }
  const axes = Array.from({ length: x.rank - 1 }, (_, i) => i);
  const average = weights
    ? (v: Sym) => div(reduceSum(mul(v, weights), axes, true), max(reduceSum(weights, axes, true), ctx.graph.scalar(1)))
    : (v: Sym) => reduceMean(v, axes, true);
  const mean = average(x);
  const variance = average(square(sub(x, mean)));
  ctx.state(`${name}/moving_mean`, [channels], { kind: 'zeros' });
  ctx.state(`${name}/moving_variance`, [channels], { kind: 'ones' });
  ctx.updateState(`${name}/moving_mean`, reshape(mean, [channels]), momentum);
  ctx.updateState(`${name}/moving_variance`, reshape(variance, [channels]), momentum);
  return { mean, variance };
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
    const gamma = ctx.weight(`${name}/gamma`, [channels], { kind: 'ones' }, 0);
    const beta = ctx.weight(`${name}/beta`, [channels], { kind: 'zeros' }, 0);
    const epsilon = ctx.graph.scalar(this.config.epsilon ?? 1e-3);
    const { mean, variance } = batchStatistics(ctx, name, x, this.config.momentum ?? 0.99);
    return add(mul(div(sub(x, mean), sqrt(add(variance, epsilon))), gamma), beta);
  }
}
