/**
 * A dataset after feature encoding, stored columnar in typed arrays: one Int32Array of ids per
 * categorical feature, ids + mask padded to maxLength per multi-value feature, the dense numeric
 * block row-major, one Float32Array per task. `batches(rows, size)` gathers any subset of rows,
 * in the order given, into the Batch structure every model consumes.
 */
import { paddedFeatures, type Batch, type FeatureSpec, type MultiValueBatch } from './batch.js';

export interface EncodedColumns {
  spec: FeatureSpec;
  numRows: number;
  /** Feature -> [numRows] ids (categorical features and bucketized numeric ones). */
  categorical: Map<string, Int32Array>;
  /** Feature -> [numRows * maxLength] ids and mask. */
  multiValue: Map<string, MultiValueBatch>;
  /** [numRows * spec.numeric.length], row-major. */
  dense: Float32Array;
  /** Task -> [numRows] labels; empty when the data has no labels (prediction input). */
  labels: Map<string, Float32Array>;
}

export interface BatchOptions {
  /**
   * Reuse one set of buffers for every batch (default true): a yielded Batch is valid until the
   * iteration continues. Pass false to keep batches (e.g. Array.from).
   */
  reuseBuffers?: boolean;
}

export class EncodedDataset {
  readonly spec: FeatureSpec;
  readonly numRows: number;
  private readonly columns: EncodedColumns;

  constructor(columns: EncodedColumns) {
    const { spec, numRows } = columns;
    const check = (what: string, length: number, expected: number) => {
      if (length !== expected) throw new Error(`EncodedDataset: ${what} has ${length} values, expected ${expected}`);
    };
    for (const { name } of spec.categorical) check(`categorical '${name}'`, columns.categorical.get(name)?.length ?? -1, numRows);
    for (const { name, maxLength } of paddedFeatures(spec)) {
      const mv = columns.multiValue.get(name);
      check(`multi-value '${name}' ids`, mv?.ids.length ?? -1, numRows * maxLength);
      check(`multi-value '${name}' mask`, mv?.mask.length ?? -1, numRows * maxLength);
    }
    check('dense', columns.dense.length, numRows * spec.numeric.length);
    for (const [task, labels] of columns.labels) check(`labels '${task}'`, labels.length, numRows);
    this.spec = spec;
    this.numRows = numRows;
    this.columns = columns;
  }

  /** Tasks whose labels are present. */
  get tasks(): string[] {
    return [...this.columns.labels.keys()];
  }

  hasLabels(task?: string): boolean {
    return task === undefined ? this.columns.labels.size > 0 : this.columns.labels.has(task);
  }

  /** [numRows] labels of `task`. */
  labels(task: string): Float32Array {
    const labels = this.columns.labels.get(task);
    if (!labels) {
      throw new RangeError(`no labels for task '${task}' (the data has ${this.tasks.length ? this.tasks.join(', ') : 'no labels'})`);
    }
    return labels;
  }

  /**
   * [numRows] ids of a categorical feature, e.g. the user for gAUC grouping. Values unseen in
   * training share the OOV id 0.
   */
  column(name: string): Int32Array {
    const ids = this.columns.categorical.get(name);
    if (!ids) {
      throw new RangeError(`no categorical feature '${name}' (have ${this.spec.categorical.map((c) => c.name).join(', ') || 'none'})`);
    }
    return ids;
  }

  /** [numRows * maxLength] ids and mask of a multi-value or sequence feature. */
  multiValue(name: string): MultiValueBatch {
    const mv = this.columns.multiValue.get(name);
    if (!mv) throw new RangeError(`no multi-value feature '${name}'`);
    return mv;
  }

  /** The dense block, [numRows * spec.numeric.length] row-major. */
  get dense(): Float32Array {
    return this.columns.dense;
  }

  /** 0..numRows-1. */
  allRows(): Int32Array {
    const rows = new Int32Array(this.numRows);
    for (let i = 0; i < rows.length; i++) rows[i] = i;
    return rows;
  }

  /** Batches of `batchSize` rows (the last one smaller), gathered in the order of `rows`. */
  *batches(rows: Int32Array, batchSize: number, options: BatchOptions = {}): Generator<Batch> {
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize: expected a positive integer, got ${batchSize}`);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (!(row >= 0 && row < this.numRows)) throw new RangeError(`rows[${i}] = ${row} is outside 0..${this.numRows - 1}`);
    }
    const reuse = options.reuseBuffers ?? true;
    const capacity = Math.min(batchSize, rows.length);
    let buffers = reuse ? this.allocate(capacity) : undefined;
    for (let start = 0; start < rows.length; start += batchSize) {
      const size = Math.min(batchSize, rows.length - start);
      if (!reuse) buffers = this.allocate(size);
      yield this.gather(rows.subarray(start, start + size), buffers!);
    }
  }

  /** A new dataset holding copies of `rows`, in that order. */
  select(rows: Int32Array): EncodedDataset {
    const [batch] = this.batches(rows, Math.max(1, rows.length), { reuseBuffers: false });
    if (!batch) {
      return new EncodedDataset({
        spec: this.spec,
        numRows: 0,
        categorical: new Map(this.spec.categorical.map((c) => [c.name, new Int32Array(0)])),
        multiValue: new Map(paddedFeatures(this.spec).map((m) => [m.name, { ids: new Int32Array(0), mask: new Float32Array(0), maxLength: m.maxLength }])),
        dense: new Float32Array(0),
        labels: new Map(this.tasks.map((t) => [t, new Float32Array(0)])),
      });
    }
    return new EncodedDataset({ spec: this.spec, numRows: rows.length, ...batch });
  }

  /**
   * The same rows with some feature columns replaced (the rest shared, not copied), e.g. a
   * feature set to its missing value or shuffled across rows to measure its importance.
   */
  withColumns(changes: { categorical?: ReadonlyMap<string, Int32Array>; multiValue?: ReadonlyMap<string, MultiValueBatch>; dense?: Float32Array }): EncodedDataset {
    for (const name of changes.categorical?.keys() ?? []) this.column(name);
    for (const name of changes.multiValue?.keys() ?? []) this.multiValue(name);
    return new EncodedDataset({
      ...this.columns,
      categorical: new Map([...this.columns.categorical, ...(changes.categorical ?? [])]),
      multiValue: new Map([...this.columns.multiValue, ...(changes.multiValue ?? [])]),
      dense: changes.dense ?? this.columns.dense,
    });
  }

  private allocate(capacity: number): Batch {
    return {
      size: capacity,
      categorical: new Map(this.spec.categorical.map((c) => [c.name, new Int32Array(capacity)])),
      multiValue: new Map(
        paddedFeatures(this.spec).map((m) => [
          m.name,
          { ids: new Int32Array(capacity * m.maxLength), mask: new Float32Array(capacity * m.maxLength), maxLength: m.maxLength },
        ]),
      ),
      dense: new Float32Array(capacity * this.spec.numeric.length),
      labels: new Map(this.tasks.map((t) => [t, new Float32Array(capacity)])),
    };
  }

  /** Fill `buffers` with `rows` and return a Batch of exactly rows.length (views of the buffers). */
  private gather(rows: Int32Array, buffers: Batch): Batch {
    const size = rows.length;
    const categorical = new Map<string, Int32Array>();
    for (const [name, source] of this.columns.categorical) {
      const out = buffers.categorical.get(name)!.subarray(0, size);
      for (let i = 0; i < size; i++) out[i] = source[rows[i]!]!;
      categorical.set(name, out);
    }
    const multiValue = new Map<string, MultiValueBatch>();
    for (const [name, source] of this.columns.multiValue) {
      const { maxLength } = source;
      const buffer = buffers.multiValue.get(name)!;
      const ids = buffer.ids.subarray(0, size * maxLength);
      const mask = buffer.mask.subarray(0, size * maxLength);
      for (let i = 0; i < size; i++) {
        const from = rows[i]! * maxLength;
        ids.set(source.ids.subarray(from, from + maxLength), i * maxLength);
        mask.set(source.mask.subarray(from, from + maxLength), i * maxLength);
      }
      multiValue.set(name, { ids, mask, maxLength });
    }
    const width = this.spec.numeric.length;
    const dense = buffers.dense.subarray(0, size * width);
    if (width > 0) {
      for (let i = 0; i < size; i++) {
        const from = rows[i]! * width;
        dense.set(this.columns.dense.subarray(from, from + width), i * width);
      }
    }
    const labels = new Map<string, Float32Array>();
    for (const [task, source] of this.columns.labels) {
      const out = buffers.labels.get(task)!.subarray(0, size);
      for (let i = 0; i < size; i++) out[i] = source[rows[i]!]!;
      labels.set(task, out);
    }
    return { size, categorical, multiValue, dense, labels };
  }
}
