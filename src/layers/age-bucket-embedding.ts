/**
 * An embedding of a behaviour's age (how many behaviours came after it) in log2 buckets, SIM's
 * time-interval embedding of the exact search unit: with thresholds t_b = 2^b − 1,
 *   e_age = Σ_{b < buckets, age ≥ t_b} W_b,
 * a cumulative ("thermometer") sum, so neighbouring buckets share weights and ages past the last
 * threshold share the last bucket. W starts at 0: the behaviours start as their plain embeddings.
 */
import type { Sym } from '../engine/graph.js';
import { cast, greaterOrEqual, matmul, unsqueeze } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface AgeBucketEmbeddingConfig extends LayerConfig {
  buckets: number;
  dim: number;
}

export class AgeBucketEmbedding extends Layer<AgeBucketEmbeddingConfig> {
  readonly className = 'AgeBucketEmbedding';

  constructor(config: AgeBucketEmbeddingConfig) {
    super(config);
    check.positiveInt('AgeBucketEmbedding', 'buckets', config.buckets);
    check.positiveInt('AgeBucketEmbedding', 'dim', config.dim);
  }

  static fromConfig(config: AgeBucketEmbeddingConfig): AgeBucketEmbedding {
    return new AgeBucketEmbedding(config);
  }

  /** ages (batch, n) -> (batch, n, dim). */
  apply(ctx: BuildContext, ages: Sym): Sym {
    const name = this.scope(ctx);
    const { buckets, dim } = this.config;
    const thresholds = ctx.graph.constant(Array.from({ length: buckets }, (_, b) => 2 ** b - 1), [buckets]);
    const reached = cast(greaterOrEqual(unsqueeze(ages, [2]), thresholds), ctx.graph.floatType);
    return matmul(reached, ctx.weight(`${name}/weights`, [buckets, dim], { kind: 'zeros' }));
  }
}
