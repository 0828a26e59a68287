/**
 * DCN-Mix cross layer (Wang et al. 2020, "mixture of low-rank DCN"): K low-rank experts, each
 * crossing in a nonlinear subspace, mixed by a softmax gate over the current input:
 *   E_i(x_l) = x0 ⊙ (U_i g(C_i g(V_iᵀ x_l)) + b_i),  G(x_l) = softmax([w_1·x_l, …, w_K·x_l]),
 *   x_{l+1} = Σ_i G_i(x_l) E_i(x_l) + x_l,
 * with V_i, U_i of rank `lowRank` and g = `activation` (tanh in the paper).
 */
import type { Sym } from '../engine/graph.js';
import { add, concat, matmul, mul, reduceSum, softmax, unsqueeze } from '../engine/ops.js';
import { activate, ACTIVATIONS, type Activation } from './activation.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface FeatureCrossMixConfig extends LayerConfig {
  numExperts?: number;
  lowRank?: number;
  activation?: Activation;
}

export class FeatureCrossMix extends Layer<FeatureCrossMixConfig> {
  readonly className = 'FeatureCrossMix';

  constructor(config: FeatureCrossMixConfig = {}) {
    super(config);
    check.positiveInt('FeatureCrossMix', 'numExperts', config.numExperts ?? 4);
    check.positiveInt('FeatureCrossMix', 'lowRank', config.lowRank ?? 32);
    check.oneOf('FeatureCrossMix', 'activation', config.activation ?? 'tanh', ACTIVATIONS);
  }

  static fromConfig(config: FeatureCrossMixConfig): FeatureCrossMix {
    return new FeatureCrossMix(config);
  }

  apply(ctx: BuildContext, x0: Sym, x: Sym = x0): Sym {
    const name = this.scope(ctx);
    const dim = x.shape[x.rank - 1] as number;
    const { numExperts = 4, lowRank = 32, activation = 'tanh' } = this.config;
    const experts: Sym[] = [];
    for (let i = 0; i < numExperts; i++) {
      const v = ctx.weight(`${name}/expert_${i}/v_kernel`, [dim, lowRank], { kind: 'glorotUniform' });
      const c = ctx.weight(`${name}/expert_${i}/c_kernel`, [lowRank, lowRank], { kind: 'glorotUniform' });
      const u = ctx.weight(`${name}/expert_${i}/u_kernel`, [lowRank, dim], { kind: 'glorotUniform' });
      const b = ctx.weight(`${name}/expert_${i}/bias`, [dim], { kind: 'zeros' }, 0);
      const projected = activate(matmul(activate(matmul(x, v), activation), c), activation);
      experts.push(unsqueeze(mul(x0, add(matmul(projected, u), b)), [1]));
    }
    const gate = softmax(matmul(x, ctx.weight(`${name}/gate_kernel`, [dim, numExperts], { kind: 'glorotUniform' })), -1);
    const mixed = reduceSum(mul(concat(experts, 1), unsqueeze(gate, [2])), [1]);
    return add(mixed, x);
  }
}
