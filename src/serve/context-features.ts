/**
 * The model inputs a request's context determines: the categorical, multi-value and sequence
 * features every one of whose raw columns is in `context`. Their values are the same for every
 * candidate, so the serving graph is fed them once (see RankingModel.exportOnnx). Numeric
 * features stay per row: they share one `dense` input with the candidates' numeric features.
 */
import { columnNeeds } from '../data/column-needs.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { paddedFeatures } from '../data/batch.js';

export function contextFeatures(pipeline: FeaturePipeline, context: ReadonlySet<string>): Set<string> {
  const spec = pipeline.spec();
  const inputs = new Set([...spec.categorical.map((f) => f.name), ...paddedFeatures(spec).map((f) => f.name)]);
  const out = new Set<string>();
  for (const feature of pipeline.features) {
    if (!inputs.has(feature.name)) continue;
    if ([...columnNeeds([feature], []).keys()].every((column) => context.has(column))) out.add(feature.name);
  }
  return out;
}
