/**
 * KMR NormalizedDotProductSimilarity: the cosine similarity of two (batch, d) embeddings,
 *
 *   s(a, b) = â · b̂,   x̂ = x / sqrt(max(‖x‖², ε)),
 *
 * row by row, (batch, 1); or, with `pairwise`, every row of `a` against every row of `b`,
 * Â B̂ᵀ of shape (batch, batch) — the logits of in-batch softmax. ε keeps a zero vector's
 * similarity (and gradient) at 0 instead of NaN.
 *
 * Example: a = [[3, 4]], b = [[4, 3]]: â = [0.6, 0.8], b̂ = [0.8, 0.6], s = 0.96.
 */
import type { Sym } from '../engine/graph.js';
import { div, matmul, max, mul, reduceSum, sqrt, square, transpose } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface NormalizedDotProductSimilarityConfig extends LayerConfig {
  /** Floor of the squared norm (TensorFlow's l2_normalize default). */
  epsilon?: number;
  /** (batch, batch) similarities of all pairs instead of (batch, 1) of matching rows. */
  pairwise?: boolean;
}

export class NormalizedDotProductSimilarity extends Layer<NormalizedDotProductSimilarityConfig> {
  readonly className = 'NormalizedDotProductSimilarity';

  constructor(config: NormalizedDotProductSimilarityConfig = {}) {
    super(config);
    check.nonNegative('NormalizedDotProductSimilarity', 'epsilon', config.epsilon ?? 1e-12);
  }

  static fromConfig(config: NormalizedDotProductSimilarityConfig): NormalizedDotProductSimilarity {
    return new NormalizedDotProductSimilarity(config);
  }

  /** x / sqrt(max(‖x‖², ε)) over the last axis. */
  normalize(x: Sym): Sym {
    const squaredNorm = reduceSum(square(x), [x.rank - 1], true);
    return div(x, sqrt(max(squaredNorm, x.graph.scalar(this.config.epsilon ?? 1e-12))));
  }

  apply(ctx: BuildContext, a: Sym, b: Sym): Sym {
    this.scope(ctx);
    if (a.rank !== 2 || b.rank !== 2 || a.shape[1] !== b.shape[1]) {
      throw new ConfigError(`NormalizedDotProductSimilarity: needs two (batch, d) inputs of the same d, got [${a.shape}] and [${b.shape}]`);
    }
    const [na, nb] = [this.normalize(a), this.normalize(b)];
    return this.config.pairwise ? matmul(na, transpose(nb, [1, 0])) : reduceSum(mul(na, nb), [1], true);
  }
}
