/**
 * DLRM dot interaction: for field vectors stacked as (batch, F, d), all pairwise dot products
 * Z = X Xᵀ, keeping the strictly lower triangle (or with the diagonal when selfInteraction):
 * output (batch, F(F-1)/2) or (batch, F(F+1)/2). The triangle is taken by a constant 0/1
 * selection matrix, which keeps the op differentiable with a plain MatMul.
 */
import type { Sym } from '../engine/graph.js';
import { matmul, reshape, transpose } from '../engine/ops.js';
import { BATCH, type BuildContext } from './build-context.js';
import { Layer, type LayerConfig } from './layer.js';

export interface DotInteractionConfig extends LayerConfig {
  selfInteraction?: boolean;
}

export class DotInteraction extends Layer<DotInteractionConfig> {
  readonly className = 'DotInteraction';

  constructor(config: DotInteractionConfig = {}) {
    super(config);
  }

  static fromConfig(config: DotInteractionConfig): DotInteraction {
    return new DotInteraction(config);
  }

  outputDim(fields: number): number {
    return this.config.selfInteraction ? (fields * (fields + 1)) / 2 : (fields * (fields - 1)) / 2;
  }

  apply(ctx: BuildContext, stacked: Sym): Sym {
    this.scope(ctx);
    const fields = stacked.shape[1] as number;
    const pairs = this.outputDim(fields);
    const z = matmul(stacked, transpose(stacked, [0, 2, 1]));
    const selection = new Float64Array(fields * fields * pairs);
    let p = 0;
    for (let i = 0; i < fields; i++) {
      for (let j = 0; j < (this.config.selfInteraction ? i + 1 : i); j++) selection[(i * fields + j) * pairs + p++] = 1;
    }
    return matmul(reshape(z, [BATCH, fields * fields]), ctx.graph.constant(selection, [fields * fields, pairs]));
  }
}
