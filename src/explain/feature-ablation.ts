/**
 * Feature-group ablation: every feature of a group set to its missing value in the encoded data,
 * the rows scored again, and the metric's drop recorded. The missing value is what the pipeline
 * gives a row without the feature: a vocabulary feature's OOV id 0; a multi-value or sequence
 * feature all padding (id 0, mask 0); a numeric feature its transform of a missing value (the fill,
 * i.e. the training mean unless configured, then the steps: 0 after standardize), also when
 * bucketized. A hashed feature has no OOV id: it gets the bucket the empty (missing) value hashes
 * to, which real values may share, so its ablation is only as clean as that bucket is rare.
 */
import type { Explanation } from './explanation.js';
import type { EncodedDataset } from '../data/encoded-dataset.js';
import type { FeatureSpec, MultiValueBatch } from '../data/batch.js';
import type { FeaturePipeline } from '../data/feature-pipeline.js';
import { HashBuckets } from '../data/hashing.js';
import { featureNames } from '../models/feature-inputs.js';
import { ConfigError } from '../errors.js';
import type { ImportanceMetric } from './importance-metric.js';

export interface FeatureGroup {
  group: string;
  features: string[];
}

/** One group per feature, in spec order. */
export function singleFeatureGroups(spec: FeatureSpec): FeatureGroup[] {
  return featureNames(spec).map((name) => ({ group: name, features: [name] }));
}

/** `"user=user,age,gender;item=item,genres"` -> groups; every feature must be one of the spec's. */
export function parseFeatureGroups(text: string, spec: FeatureSpec, field = '--groups'): FeatureGroup[] {
  const known = featureNames(spec);
  const groups = text.split(';').map((part) => part.trim()).filter((part) => part.length > 0).map((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`'${part}' is not name=feature,feature,...`, { field });
    const group = part.slice(0, eq).trim();
    const features = part.slice(eq + 1).split(',').map((f) => f.trim()).filter((f) => f.length > 0);
    if (features.length === 0) throw new ConfigError(`group '${group}' names no feature`, { field });
    for (const feature of features) {
      if (!known.includes(feature)) throw new ConfigError(`group '${group}': no feature '${feature}'; the bundle's features: ${known.join(', ')}`, { field });
    }
    return { group, features };
  });
  if (groups.length === 0) throw new ConfigError('no group given', { field });
  const names = groups.map((g) => g.group);
  const twice = names.find((name, i) => names.indexOf(name) !== i);
  if (twice !== undefined) throw new ConfigError(`group '${twice}' is given twice`, { field });
  return groups;
}

/** The encoded id a categorical feature (or bucketized numeric one) gets for a missing value. */
function missingId(pipeline: FeaturePipeline, name: string): number {
  const config = pipeline.features.find((f) => f.name === name);
  if (config?.type === 'numeric') return pipeline.numericTransform(name).apply(Number.NaN);
  const index = pipeline.categoryIndex(name);
  return index instanceof HashBuckets ? index.lookup('') : 0;
}

/** `dataset` with every feature of `features` set to its missing value. */
export function withMissing(dataset: EncodedDataset, pipeline: FeaturePipeline, features: readonly string[]): EncodedDataset {
  const { spec, numRows } = dataset;
  const categorical = new Map<string, Int32Array>();
  const multiValue = new Map<string, MultiValueBatch>();
  let dense: Float32Array | undefined;
  for (const name of features) {
    const padded = [...spec.multiValue, ...(spec.sequence ?? [])].find((f) => f.name === name);
    const column = spec.numeric.indexOf(name);
    if (spec.categorical.some((f) => f.name === name)) {
      categorical.set(name, new Int32Array(numRows).fill(missingId(pipeline, name)));
    } else if (padded) {
      multiValue.set(name, { ids: new Int32Array(numRows * padded.maxLength), mask: new Float32Array(numRows * padded.maxLength), maxLength: padded.maxLength });
    } else if (column >= 0) {
      dense ??= dataset.dense.slice();
      const fill = pipeline.numericTransform(name).apply(Number.NaN);
      for (let row = 0; row < numRows; row++) dense[row * spec.numeric.length + column] = fill;
    } else {
      throw new RangeError(`no feature '${name}'`);
    }
  }
  return dataset.withColumns({ categorical, multiValue, ...(dense ? { dense } : {}) });
}

/** The metric with each group ablated, against `base` (the metric on the unchanged rows). */
export async function featureAblation(metric: ImportanceMetric, dataset: EncodedDataset, pipeline: FeaturePipeline, groups: readonly FeatureGroup[], base: number): Promise<Explanation['ablation']> {
  const out: Explanation['ablation'] = [];
  for (const { group, features } of groups) {
    const value = await metric.value(withMissing(dataset, pipeline, features));
    out.push({ group, features: [...features], value, drop: metric.drop(base, value) });
  }
  return out;
}
