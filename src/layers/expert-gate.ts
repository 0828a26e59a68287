/**
 * A softmax gate over experts (MMoE, Ma et al. 2018; PLE, Tang et al. 2020): the gate reads its
 * own input x and mixes the experts' outputs,
 *   g(x) = softmax(x W_g),  y = Σ_i g_i(x) E_i.
 * W_g has no bias: a bias would let the gate ignore x and fix one mixture for every row.
 */
import type { Sym } from '../engine/graph.js';
import { concat, matmul, mul, reduceSum, softmax, unsqueeze } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { ConfigError } from '../errors.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface ExpertGateConfig extends LayerConfig {
  numExperts: number;
}

export class ExpertGate extends Layer<ExpertGateConfig> {
  readonly className = 'ExpertGate';

  constructor(config: ExpertGateConfig) {
    super(config);
    check.positiveInt('ExpertGate', 'numExperts', config.numExperts);
  }

  static fromConfig(config: ExpertGateConfig): ExpertGate {
    return new ExpertGate(config);
  }

  /** The mixture weights g(x), (batch, numExperts), each row summing to 1. */
  weights(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    const kernel = ctx.weight(`${name}/kernel`, [x.shape[x.rank - 1] as number, this.config.numExperts], { kind: 'glorotUniform' });
    return softmax(matmul(x, kernel), -1);
  }

  /** Σ_i g_i(x) E_i for experts E_i of shape (batch, d). */
  apply(ctx: BuildContext, x: Sym, experts: readonly Sym[]): Sym {
    if (experts.length !== this.config.numExperts) throw new ConfigError(`ExpertGate: expected ${this.config.numExperts} experts, got ${experts.length}`);
    const gate = this.weights(ctx, x);
    return reduceSum(mul(concat(experts.map((e) => unsqueeze(e, [1])), 1), unsqueeze(gate, [2])), [1]);
  }
}
