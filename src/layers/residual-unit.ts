/**
 * Deep Crossing's residual unit (Shan et al. 2016): y = act(W2 act(W1 x + b1) + b2) + x. The
 * inner width is free; the output keeps the input's width so units stack.
 */
import type { Sym } from '../engine/graph.js';
import { add } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { ACTIVATIONS, type Activation } from './activation.js';
import { Dense } from './dense.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface ResidualUnitConfig extends LayerConfig {
  /** Width of the inner layer. */
  hiddenUnits: number;
  activation?: Activation;
}

export class ResidualUnit extends Layer<ResidualUnitConfig> {
  readonly className = 'ResidualUnit';

  constructor(config: ResidualUnitConfig) {
    super(config);
    check.positiveInt('ResidualUnit', 'hiddenUnits', config.hiddenUnits);
    check.oneOf('ResidualUnit', 'activation', config.activation ?? 'relu', ACTIVATIONS);
  }

  static fromConfig(config: ResidualUnitConfig): ResidualUnit {
    return new ResidualUnit(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    const activation = this.config.activation ?? 'relu';
    const inner = new Dense({ name: `${name}/inner`, units: this.config.hiddenUnits, activation }).apply(ctx, x);
    const outer = new Dense({ name: `${name}/outer`, units: x.shape[x.rank - 1] as number, activation }).apply(ctx, inner);
    return add(outer, x);
  }
}
