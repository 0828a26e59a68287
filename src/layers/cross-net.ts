/**
 * DCN (v1) cross network: x_{l+1} = x0 (x_l · w_l) + b_l + x_l — each layer a rank-1 cross,
 * so L layers model feature interactions up to degree L + 1 with 2d parameters per layer.
 */
import type { Sym } from '../engine/graph.js';
import { add, matmul, mul } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface CrossNetConfig extends LayerConfig {
  numLayers?: number;
}

export class CrossNet extends Layer<CrossNetConfig> {
  readonly className = 'CrossNet';

  constructor(config: CrossNetConfig = {}) {
    super(config);
    check.positiveInt('CrossNet', 'numLayers', config.numLayers ?? 2);
  }

  static fromConfig(config: CrossNetConfig): CrossNet {
    return new CrossNet(config);
  }

  apply(ctx: BuildContext, x0: Sym): Sym {
    const name = this.scope(ctx);
    const dim = x0.shape[x0.rank - 1] as number;
    let x = x0;
    for (let l = 0; l < (this.config.numLayers ?? 2); l++) {
      const w = ctx.weight(`${name}/w_${l}`, [dim, 1], { kind: 'glorotUniform' });
      const b = ctx.weight(`${name}/b_${l}`, [dim], { kind: 'zeros' }, 0);
      x = add(add(mul(x0, matmul(x, w)), b), x);
    }
    return x;
  }
}
