/**
 * How often each embedding row is read over the training rows: for a table, the number of
 * (unpadded) ids pointing at each row across every lookup that reads it. Mini-batch aware L2
 * (DIN) scales a row's L2 by the inverse of this count, so frequent ids are not over-regularized
 * relative to rare ones when only the rows present in a batch are regularized.
 */
import type { EmbeddingLookup } from '../layers/build-context.js';
import { sharedFloat32 } from '../util/shared-memory.js';
import { lookupIds } from './batch-feeder.js';
import type { BatchSource } from './predict.js';

/** Table name -> [rows] counts. */
export function idFrequencies(source: BatchSource, rows: Int32Array, lookups: readonly EmbeddingLookup[], tableRows: (table: string) => number): Map<string, Float64Array> {
  const counts = new Map<string, Float64Array>();
  for (const lookup of lookups) if (!counts.has(lookup.table)) counts.set(lookup.table, new Float64Array(tableRows(lookup.table)));
  for (const batch of source.batches(rows, 4096)) {
    for (const lookup of lookups) {
      if (lookup.negativesOf !== undefined) continue; // sampled, not read from the data
      const { ids, mask } = lookupIds(batch, lookup);
      const count = counts.get(lookup.table)!;
      const n = batch.size * (lookup.maxLength ?? 1);
      for (let i = 0; i < n; i++) if (!mask || mask[i] !== 0) count[ids[i]!]!++;
    }
  }
  return counts;
}

/** Each row's L2 coefficient l2 / count (0 for rows never read), shared with the update threads. */
export function frequencyScaledL2(counts: Float64Array, l2: number): Float32Array {
  const out = sharedFloat32(counts.length);
  for (let r = 0; r < counts.length; r++) out[r] = counts[r]! > 0 ? l2 / counts[r]! : 0;
  return out;
}
