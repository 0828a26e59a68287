/**
 * KMR TopKRecommendationSelector: brute-force top-K over a (users, items) score matrix, in the
 * graph as one ONNX TopK: (indices, scores) of shape (users, k), best first. Equal scores keep
 * the lower item index first, so the selection is deterministic.
 *
 * Example, k = 2: scores [[0.1, 0.9, 0.5, 0.9]] -> indices [[1, 3]], scores [[0.9, 0.9]].
 */
import type { Sym } from '../engine/graph.js';
import { topK } from '../engine/ops.js';
import type { BuildContext } from './build-context.js';
import { check, Layer, type LayerConfig } from './layer.js';

export interface TopKRecommendationSelectorConfig extends LayerConfig {
  k?: number;
}

export class TopKRecommendationSelector extends Layer<TopKRecommendationSelectorConfig> {
  readonly className = 'TopKRecommendationSelector';

  constructor(config: TopKRecommendationSelectorConfig = {}) {
    super(config);
    check.positiveInt('TopKRecommendationSelector', 'k', config.k ?? 10);
  }

  static fromConfig(config: TopKRecommendationSelectorConfig): TopKRecommendationSelector {
    return new TopKRecommendationSelector(config);
  }

  apply(ctx: BuildContext, scores: Sym): { indices: Sym; scores: Sym } {
    this.scope(ctx);
    const { values, indices } = topK(scores, this.config.k ?? 10);
    return { indices, scores: values };
  }
}
