/**
 * DCN-v2 cross layer (keras-rs FeatureCross): x_{l+1} = x0 ⊙ (W x_l + b) + x_l, with W optionally
 * low-rank (W = U V, projectionDim), an optional activation on W x_l + b, and diagScale adding
 * diagScale * x_l to it (keeps W near the identity when small).
 *
 * Example (kernel all ones, bias zero): x0 = [.1, .2, .3], x = [.4, .5, .6] -> [.55, .8, 1.05];
 * with diagScale 1 -> [.59, .9, 1.23].
 */
import type { Sym } from '../engine/graph.js';
import { add, matmul, mul, scale } from '../engine/ops.js';
import { activate, ACTIVATIONS, type Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface FeatureCrossConfig extends LayerConfig {
  projectionDim?: number | null;
  diagScale?: number;
  useBias?: boolean;
  preActivation?: Activation | null;
}

export class FeatureCross extends Layer<FeatureCrossConfig> {
  readonly className = 'FeatureCross';

  constructor(config: FeatureCrossConfig = {}) {
    super(config);
    if (config.projectionDim != null) check.positiveInt('FeatureCross', 'projectionDim', config.projectionDim);
    check.nonNegative('FeatureCross', 'diagScale', config.diagScale ?? 0);
    if (config.preActivation != null) check.oneOf('FeatureCross', 'preActivation', config.preActivation, ACTIVATIONS);
  }

  static fromConfig(config: FeatureCrossConfig): FeatureCross {
    return new FeatureCross(config);
  }

  apply(ctx: BuildContext, x0: Sym, x: Sym = x0): Sym {
    const name = this.scope(ctx);
    const dim = x.shape[x.rank - 1] as number;
    const { projectionDim, diagScale = 0, useBias = true, preActivation } = this.config;
    let product: Sym;
    if (projectionDim == null) {
      product = matmul(x, ctx.weight(`${name}/kernel`, [dim, dim], { kind: 'glorotUniform' }));
    } else {
      const u = ctx.weight(`${name}/u_kernel`, [dim, projectionDim], { kind: 'glorotUniform' });
      const v = ctx.weight(`${name}/v_kernel`, [projectionDim, dim], { kind: 'glorotUniform' });
      product = matmul(matmul(x, u), v);
    }
    if (useBias) product = add(product, ctx.weight(`${name}/bias`, [dim], { kind: 'zeros' }, 0));
    if (preActivation) product = activate(product, preActivation);
    if (diagScale) product = add(product, scale(x, diagScale));
    return add(mul(x0, product), x);
  }
}
