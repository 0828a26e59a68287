/**
 * A row-sparse embedding table. In training the trainer gathers the batch's rows in JS and feeds
 * them; their gradient flows back into only those rows. In the exported model it is an in-graph
 * Gather over int64 ids. Multi-value features are pooled over their padding mask.
 */
import type { Sym } from '../engine/graph.js';
import { div, max, mul, reduceSum, unsqueeze } from '../engine/ops.js';
import type { Initializer } from '../engine/parameter-store.js';
import type { BlockPart, BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface EmbeddingConfig extends LayerConfig {
  inputDim: number;
  outputDim: number;
  initializer?: Initializer;
}

export class Embedding extends Layer<EmbeddingConfig> {
  readonly className = 'Embedding';

  constructor(config: EmbeddingConfig) {
    super(config);
    check.positiveInt('Embedding', 'inputDim', config.inputDim);
    check.positiveInt('Embedding', 'outputDim', config.outputDim);
  }

  static fromConfig(config: EmbeddingConfig): Embedding {
    return new Embedding(config);
  }

  /** Rows for a single-id feature: (batch, outputDim). */
  apply(ctx: BuildContext, feature: string): Sym {
    return ctx.embedding(this.scope(ctx), this.config.inputDim, this.config.outputDim, feature, this.initializer());
  }

  /** What BuildContext.embeddingBlock needs to place this table's rows for `feature` in a block. */
  part(ctx: BuildContext, feature: string): BlockPart {
    return { table: this.scope(ctx), rows: this.config.inputDim, dim: this.config.outputDim, feature, init: this.initializer() };
  }

  /** Unpooled rows of a padded feature (a behaviour sequence): (batch, maxLength, outputDim). */
  sequence(ctx: BuildContext, feature: string, maxLength: number): Sym {
    return ctx.embedding(this.scope(ctx), this.config.inputDim, this.config.outputDim, feature, this.initializer(), maxLength);
  }

  /** Training only: rows of random ids at the real positions of sequence `feature` (BuildContext.negativeEmbedding). */
  negatives(ctx: BuildContext, feature: string, maxLength: number): Sym {
    return ctx.negativeEmbedding(this.scope(ctx), this.config.inputDim, this.config.outputDim, feature, this.initializer(), maxLength);
  }

  /** Rows for a multi-value feature pooled over its mask: (batch, outputDim). */
  pooled(ctx: BuildContext, feature: string, maxLength: number, pooling: 'mean' | 'sum'): Sym {
    const rows = this.sequence(ctx, feature, maxLength);
    const mask = ctx.mask(feature, maxLength);
    const summed = reduceSum(mul(rows, unsqueeze(mask, [2])), [1]);
    if (pooling === 'sum') return summed;
    return div(summed, max(reduceSum(mask, [1], true), ctx.graph.scalar(1)));
  }

  private initializer(): Initializer {
    return this.config.initializer ?? { kind: 'uniform', scale: 0.05 };
  }
}
