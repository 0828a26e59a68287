/**
 * OPNN's product signal with the sum-pooling approximation (Qu et al. 2016): for field vectors
 * stacked as (batch, F, k), p = f_Σ f_Σᵀ with f_Σ = Σ_i f_i, flattened to (batch, k²) — one k×k
 * matrix instead of F² of them.
 */
import type { Sym } from '../engine/graph.js';
import { matmul, reduceSum, reshape, unsqueeze } from '../engine/ops.js';
import { BATCH, type BuildContext } from './build-context.js';
import { Layer, type LayerConfig } from './layer.js';

export class OuterProduct extends Layer<LayerConfig> {
  readonly className = 'OuterProduct';

  constructor(config: LayerConfig = {}) {
    super(config);
  }

  static fromConfig(config: LayerConfig): OuterProduct {
    return new OuterProduct(config);
  }

  apply(ctx: BuildContext, stacked: Sym): Sym {
    this.scope(ctx);
    const k = stacked.shape[2] as number;
    const pooled = reduceSum(stacked, [1]);
    return reshape(matmul(unsqueeze(pooled, [2]), unsqueeze(pooled, [1])), [BATCH, k * k]);
  }
}
