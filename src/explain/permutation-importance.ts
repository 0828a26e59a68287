/**
 * Permutation importance: one feature's encoded values shuffled across the rows (a seeded
 * permutation; a multi-value or sequence feature moves its whole padded row), the rows scored
 * again, and the metric's drop recorded; mean and standard deviation over the repeats.
 */
import type { Explanation } from './explanation.js';
import type { EncodedDataset } from '../data/encoded-dataset.js';
import { featureNames } from '../models/feature-inputs.js';
import { Random } from '../util/random.js';
import type { ImportanceMetric } from './importance-metric.js';

/** `dataset` with feature `name`'s value of row `from[i]` in row i. */
export function withPermuted(dataset: EncodedDataset, name: string, from: Int32Array): EncodedDataset {
  const { spec } = dataset;
  const column = spec.numeric.indexOf(name);
  if (spec.categorical.some((f) => f.name === name)) {
    const ids = dataset.column(name);
    return dataset.withColumns({ categorical: new Map([[name, Int32Array.from(from, (row) => ids[row]!)]]) });
  }
  if (column >= 0) {
    const width = spec.numeric.length;
    const dense = dataset.dense.slice();
    from.forEach((row, i) => (dense[i * width + column] = dataset.dense[row * width + column]!));
    return dataset.withColumns({ dense });
  }
  const { ids, mask, maxLength } = dataset.multiValue(name);
  const permuted = { ids: new Int32Array(ids.length), mask: new Float32Array(mask.length), maxLength };
  from.forEach((row, i) => {
    permuted.ids.set(ids.subarray(row * maxLength, (row + 1) * maxLength), i * maxLength);
    permuted.mask.set(mask.subarray(row * maxLength, (row + 1) * maxLength), i * maxLength);
  });
  return dataset.withColumns({ multiValue: new Map([[name, permuted]]) });
}

/** Every feature's drop, `repeats` seeded shuffles each; `base` is the metric on the unchanged rows. */
export async function permutationImportance(metric: ImportanceMetric, dataset: EncodedDataset, base: number, { repeats = 3, seed = 1 }: { repeats?: number; seed?: number } = {}): Promise<Explanation['permutation']> {
  const rng = new Random(seed);
  const out: Explanation['permutation'] = [];
  for (const feature of featureNames(dataset.spec)) {
    const drops: number[] = [];
    for (let r = 0; r < repeats; r++) drops.push(metric.drop(base, await metric.value(withPermuted(dataset, feature, rng.permutation(dataset.numRows)))));
    const mean = drops.reduce((a, b) => a + b, 0) / repeats;
    const std = Math.sqrt(drops.reduce((a, d) => a + (d - mean) ** 2, 0) / repeats);
    out.push({ feature, drop: mean, std, repeats });
  }
  return out;
}
