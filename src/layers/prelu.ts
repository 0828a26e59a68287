/**
 * Parametric ReLU (He et al. 2015), DIN's activation: y = x for x > 0, y = α x otherwise, with a
 * learnable α per channel (last axis). Written as max(x, 0) + α min(x, 0).
 */
import type { Sym } from '../engine/graph.js';
import { add, mul, neg, relu } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { ConfigError } from '../errors.js';
import { Layer, type LayerConfig } from './layer.js';

export interface PReLUConfig extends LayerConfig {
  /** α's starting value (default 0.25, as in the paper). */
  alphaInitial?: number;
}

export class PReLU extends Layer<PReLUConfig> {
  readonly className = 'PReLU';

  constructor(config: PReLUConfig = {}) {
    super(config);
    if (config.alphaInitial !== undefined && !Number.isFinite(config.alphaInitial)) {
      throw new ConfigError(`PReLU: 'alphaInitial' must be a finite number, got ${JSON.stringify(config.alphaInitial)}`, { field: 'alphaInitial' });
    }
  }

  static fromConfig(config: PReLUConfig): PReLU {
    return new PReLU(config);
  }

  apply(ctx: BuildContext, x: Sym): Sym {
    const name = this.scope(ctx);
    const alpha = ctx.weight(`${name}/alpha`, [x.shape[x.rank - 1] as number], { kind: 'constant', value: this.config.alphaInitial ?? 0.25 }, 0);
    return add(relu(x), mul(alpha, neg(relu(neg(x)))));
  }
}
