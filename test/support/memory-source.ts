/** A BatchSource over in-memory columns, for tests that need no file. */
import type { Batch } from '../../src/data/batch.js';
import type { BatchSource } from '../../src/train/predict.js';

export interface Columns {
  categorical?: Record<string, Int32Array>;
  dense?: { names: string[]; values: Float32Array };
  labels: Record<string, Float32Array>;
}

export class MemorySource implements BatchSource {
  readonly numRows: number;
  constructor(private readonly columns: Columns) {
    this.numRows = Object.values(columns.labels)[0]!.length;
  }

  *batches(rows: Int32Array, batchSize: number): Iterable<Batch> {
    const nDense = this.columns.dense?.names.length ?? 0;
    for (let start = 0; start < rows.length; start += batchSize) {
      const idx = rows.subarray(start, Math.min(rows.length, start + batchSize));
      const categorical = new Map<string, Int32Array>();
      for (const [name, col] of Object.entries(this.columns.categorical ?? {})) categorical.set(name, Int32Array.from(idx, (r) => col[r]!));
      const dense = new Float32Array(idx.length * nDense);
      idx.forEach((r, i) => dense.set(this.columns.dense!.values.subarray(r * nDense, (r + 1) * nDense), i * nDense));
      const labels = new Map<string, Float32Array>();
      for (const [name, col] of Object.entries(this.columns.labels)) labels.set(name, Float32Array.from(idx, (r) => col[r]!));
      yield { size: idx.length, categorical, multiValue: new Map(), dense, labels };
    }
  }
}
