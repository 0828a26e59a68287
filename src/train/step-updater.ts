/**
 * The optimizer half of a training step, as one of T threads does it. Thread k owns the share
 * [bounds[k], bounds[k+1]) of the work (fractions; equal unless the pool rebalances them).
 * Embedding rows: sum the gathered-row gradients of every lookup into one gradient per distinct
 * table row (a row used by several samples, or by several lookups sharing a table, gets one
 * update per step), then update those rows; thread k owns the rows whose id mod BUCKETS falls in
 * its share. Dense weights: thread k updates its share's slice of each. Every value's update
 * reads the same numbers in the same order whichever thread does it, so the result depends
 * neither on the thread count nor on the shares.
 */
import { kernels } from '../engine/kernels.js';
import { createOptimizer, WHOLE, type Optimizer, type OptimizerConfig } from './optimizers.js';
import { onHugePages } from '../util/huge-pages.js';

export interface SharedTable {
  rows: number;
  dim: number;
  /** Over SharedArrayBuffers, so every thread updates the same numbers. */
  data: Float32Array;
  slots: Float32Array[];
  /**
   * Mini-batch aware L2 (DIN): each row's own coefficient (embeddingL2 / its id's training
   * frequency), added to the gradient of the rows a step touches, replacing embeddingL2.
   */
  rowL2?: Float32Array;
}

/** One embedding lookup's step input: the ids it gathered, its padding mask and its row gradients. */
export interface LookupStage {
  table: number;
  ids: Int32Array;
  mask?: Float32Array;
  grad: Float32Array;
}

export interface SharedDense {
  /** Over SharedArrayBuffers, like tables. */
  data: Float32Array;
  slots: Float32Array[];
  l2: number;
}

export interface UpdateLayout {
  optimizer: OptimizerConfig;
  embeddingL2: number;
  tables: SharedTable[];
  dense: SharedDense[];
}

/** Rows are dealt to threads by id mod BUCKETS: fine enough to move shares by 1/4096. */
export const BUCKETS = 4096;

/** Fractions 0 = b0 < b1 < ... < bT = 1: thread k's share is [b_k, b_k+1). */
export function equalBounds(parts: number): Float64Array {
  return Float64Array.from({ length: parts + 1 }, (_, k) => k / parts);
}

/** Thread `part`'s slice [start, end) of `size` values under `bounds`. */
function slice(size: number, bounds: Float64Array, part: number): [number, number] {
  return [Math.floor(size * bounds[part]!), Math.floor(size * bounds[part + 1]!)];
}

class TableGradients {
  /** Position of each table row in `rows`, -1 when the step has not touched it. */
  readonly slotOf: Int32Array;
  rows = new Int32Array(256);
  grad: Float32Array;
  count = 0;

  constructor(
    tableRows: number,
    private readonly dim: number,
  ) {
    this.slotOf = onHugePages(new Int32Array(tableRows)).fill(-1);
    this.grad = new Float32Array(256 * dim);
  }

  reset(): void {
    for (let s = 0; s < this.count; s++) this.slotOf[this.rows[s]!] = -1;
    this.count = 0;
  }

  private grow(): void {
    const rows = new Int32Array(this.rows.length * 2);
    rows.set(this.rows);
    this.rows = rows;
    const grad = new Float32Array(this.grad.length * 2);
    grad.set(this.grad);
    this.grad = grad;
  }

  /** Add the gradients of lookup samples whose row falls in buckets [lo, hi). */
  add({ ids, mask, grad }: LookupStage, count: number, lo: number, hi: number): void {
    while (this.rows.length < this.count + count) this.grow();
    this.count = kernels.accumulateRows(ids, mask ?? null, count, lo, hi, BUCKETS, this.dim, grad, this.slotOf, this.rows, this.grad, this.count);
  }

  /** Add l2[row] · row to each touched row's gradient: the gradient of Σ_touched l2[row] ‖row‖² / 2. */
  addRowL2(l2: Float32Array, data: Float32Array): void {
    const { dim, grad } = this;
    for (let s = 0; s < this.count; s++) {
      const row = this.rows[s]!;
      const c = l2[row]!;
      for (let k = 0, p = row * dim, g = s * dim; k < dim; k++) grad[g + k] += c * data[p + k]!;
    }
  }

  squaredNorm(): number {
    let s = 0;
    const g = this.grad;
    for (let i = 0, n = this.count * this.dim; i < n; i++) s += g[i]! * g[i]!;
    return s;
  }
}

export class StepUpdater {
  private readonly optimizer: Optimizer;
  private readonly perTable: TableGradients[];

  constructor(
    private readonly layout: UpdateLayout,
    /** This thread's index. */
    private readonly part = 0,
    parts = 1,
    /** Every thread's share, read at each step (shared memory when the pool rebalances it). */
    private readonly bounds: Float64Array = equalBounds(parts),
  ) {
    this.optimizer = createOptimizer(layout.optimizer);
    this.perTable = layout.tables.map((t) => new TableGradients(t.rows, t.dim));
  }

  /**
   * Sum this thread's rows of every lookup (`counts[l]` samples of lookup l). With `norm`, returns
   * the squared norm of those rows' gradients and of this thread's slices of the dense gradients
   * (clipping needs it; otherwise 0, not worth a pass over every gradient).
   */
  accumulate(stages: readonly LookupStage[], counts: ArrayLike<number>, denseGrads: readonly Float32Array[], norm: boolean): number {
    const [lo, hi] = slice(BUCKETS, this.bounds, this.part);
    stages.forEach((stage, l) => this.perTable[stage.table]!.add(stage, counts[l]!, lo, hi));
    // A loss term's gradient: it joins the rows' gradients before the norm that clipping reads.
    this.layout.tables.forEach((table, i) => table.rowL2 && this.perTable[i]!.addRowL2(table.rowL2, table.data));
    if (!norm) return 0;
    let squared = 0;
    for (const t of this.perTable) squared += t.squaredNorm();
    denseGrads.forEach((grad) => {
      const [start, end] = slice(grad.length, this.bounds, this.part);
      for (let i = start; i < end; i++) squared += grad[i]! * grad[i]!;
    });
    return squared;
  }

  /**
   * One optimizer step on every accumulated row and on this thread's slice of every dense weight.
   * It empties the row gradients for the next accumulate while their slot index is still in cache
   * (after the next ONNX Runtime run, clearing it missed the caches at every row).
   */
  apply(step: number, gradScale: number, denseGrads: readonly Float32Array[]): void {
    this.layout.tables.forEach((table, i) => {
      const g = this.perTable[i]!;
      this.optimizer.update(table.data, g.rows, g.count, table.dim, g.grad, table.slots, step, table.rowL2 ? 0 : this.layout.embeddingL2, gradScale);
      g.reset();
    });
    this.layout.dense.forEach(({ data, slots, l2 }, i) => {
      const [start, end] = slice(data.length, this.bounds, this.part);
      if (end === start) return;
      const view = (a: Float32Array) => a.subarray(start, end);
      this.optimizer.update(view(data), WHOLE, 1, end - start, view(denseGrads[i]!), slots.map(view), step, l2, gradScale);
    });
  }
}
