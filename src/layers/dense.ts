/** Dense: y = activation(x W + b), over the last axis of an input of any rank. */
import type { Sym } from '../engine/graph.js';
import { add, matmul } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { ACTIVATIONS, activate, type Activation } from './activation.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface DenseConfig extends LayerConfig {
  units: number;
  activation?: Activation;
  useBias?: boolean;
  /** L2 on the kernel; default: the trainer's global l2. */
  l2?: number;
}

export class Dense extends Layer<DenseConfig> {
  readonly className = 'Dense';

  constructor(config: DenseConfig) {
    super(config);
    check.positiveInt('Dense', 'units', config.units);
    check.oneOf('Dense', 'activation', config.activation ?? 'linear', ACTIVATIONS);
    if (config.l2 !== undefined) check.nonNegative('Dense', 'l2', config.l2);
  }

  static fromConfig(config: DenseConfig): Dense {
    return new Dense(config);
  }

  /** The affine part x W + b, before activation (BatchNorm goes between the two). */
  linear(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    const inputDim = x.shape[x.rank - 1] as number;
    const kernel = ctx.weight(`${name}/kernel`, [inputDim, this.config.units], { kind: 'glorotUniform' }, this.config.l2);
    const product = matmul(x, kernel);
    return this.config.useBias === false ? product : add(product, ctx.weight(`${name}/bias`, [this.config.units], { kind: 'zeros' }, 0));
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    return activate(this.linear(ctx, x), this.config.activation ?? 'linear');
  }
}
