/** Inverted dropout by a keep-mask input the trainer draws from its seeded RNG each step. */
import type { Sym } from '../engine/graph.js';
import { mul } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface DropoutConfig extends LayerConfig {
  rate: number;
}

export class Dropout extends Layer<DropoutConfig> {
  readonly className = 'Dropout';

  constructor(config: DropoutConfig) {
    super(config);
    check.rate('Dropout', 'rate', config.rate);
  }

  static fromConfig(config: DropoutConfig): Dropout {
    return new Dropout(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    if (!ctx.training || this.config.rate === 0) return x;
    const shape = x.shape.slice(1);
    if (!shape.every((d): d is number => typeof d === 'number')) throw new ConfigError(`Dropout: input [${x.shape}] needs static non-batch dimensions`);
    return mul(x, ctx.dropoutMask(name, shape, this.config.rate));
  }
}
