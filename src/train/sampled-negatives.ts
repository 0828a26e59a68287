/**
 * The ids behind BuildContext.negativeEmbedding: for each lookup that asks for negatives of a
 * sequence, a random id of its table (never 0, the padding/out-of-vocabulary row, and never the
 * behaviour at the same position) at every real position of the sequence, 0 and masked at the
 * padding. They join the batch as one more padded feature, so the feeder gathers their rows and
 * the step updates them like any other lookup's.
 */
import type { Batch } from '../data/batch.js';
import type { EmbeddingLookup } from '../layers/build-context.js';
import { ArtifactError } from '../errors.js';
import type { Random } from '../util/random.js';

export function withSampledNegatives(batch: Batch, lookups: readonly EmbeddingLookup[], tableRows: (table: string) => number, rng: Random): Batch {
  const sampled = lookups.filter((l) => l.negativesOf !== undefined);
  if (sampled.length === 0) return batch;
  const multiValue = new Map(batch.multiValue);
  for (const lookup of sampled) {
    const source = batch.multiValue.get(lookup.negativesOf!);
    if (!source) throw new ArtifactError(`the model samples negatives of sequence '${lookup.negativesOf}', which the data does not provide`);
    const rows = tableRows(lookup.table);
    if (rows < 3) throw new ArtifactError(`table '${lookup.table}' has ${rows} rows: too few to sample negatives of '${lookup.negativesOf}' from`);
    const count = batch.size * source.maxLength;
    const ids = new Int32Array(count);
    for (let i = 0; i < count; i++) {
      if (source.mask[i] === 0) continue;
      do ids[i] = 1 + rng.int(rows - 1);
      while (ids[i] === source.ids[i]);
    }
    multiValue.set(lookup.feature, { ids, mask: source.mask, maxLength: source.maxLength });
  }
  return { ...batch, multiValue };
}
