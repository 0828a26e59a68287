/**
 * The model inputs a request's context determines: the categorical, multi-value and sequence
 * features every one of whose raw columns is in `context`. Their values are the same for every
 * candidate, so the serving graph is fed them once (see RankingModel.exportOnnx). Numeric
 * features stay per row: they share one `dense` input with the candidates' numeric features.
 */
import { columnNeeds } from '../data/column-needs.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { paddedFeatures } from '../data/batch.js';

export class ContextFeatures {
  /** Each id input's raw columns, worked out once per bundle rather than per request. */
  private readonly columns: [string, string[]][];

  constructor(pipeline: FeaturePipeline) {
    const spec = pipeline.spec();
    const inputs = new Set([...spec.categorical.map((f) => f.name), ...paddedFeatures(spec).map((f) => f.name)]);
    this.columns = pipeline.features.filter((f) => inputs.has(f.name)).map((f) => [f.name, [...columnNeeds([f], []).keys()]]);
  }

  of(context: ReadonlySet<string>): Set<string> {
    return new Set(this.columns.filter(([, columns]) => columns.every((c) => context.has(c))).map(([name]) => name));
  }
}
