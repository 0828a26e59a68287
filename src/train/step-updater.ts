/**
 * The optimizer half of a training step. The main thread sums the gradients of every embedding
 * lookup into one gradient per distinct table row (a row used by several samples, or by several
 * lookups sharing a table, gets one update per step; StepGradients), into shared memory; then
 * the optimizer step on those rows and on every dense weight is cut into chunks (a run of one
 * table's touched rows, or a slice of one dense weight) that threads claim one at a time
 * (StepUpdater). Summing on one thread reads the step's gradients where ONNX Runtime left them
 * (no copy into shared memory) and reads each id once; claiming chunks keeps every thread busy
 * until the step is done, even when one starts late. Every value's update reads the same numbers
 * in the same order whichever thread does it, so the result depends neither on the thread count
 * nor on who claimed what.
 */
import { kernels } from '../engine/kernels.js';
import { createOptimizer, WHOLE, type Optimizer, type OptimizerConfig } from './optimizers.js';
import { onHugePages } from '../util/huge-pages.js';
import { sharedFloat32, sharedInt32 } from '../util/shared-memory.js';

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

/** With several threads, the step is cut into this many chunks per thread, of at least MIN_CHUNK values (some 10 µs of work). */
const CHUNKS_PER_THREAD = 8;
const MIN_CHUNK = 4096;
/** Most chunks a step is cut into: the pool packs a chunk index and a step number into one 32-bit word. */
export const MAX_CHUNKS = 4094;

/** A lookup a step stages: its table, and the most samples (ids) it has in one step (batch × maxLength). */
export interface StageShape {
  table: number;
  capacity: number;
}

/** One table's summed row gradients of a step, over SharedArrayBuffers: what the threads apply. */
export interface TouchedRows {
  /** rows[s] is the table row of slot s. */
  rows: Int32Array;
  /** Slot s's gradient at [s·dim, (s+1)·dim). */
  grad: Float32Array;
  /** [slots used this step]. */
  count: Int32Array;
}

/** The main thread's half: sums a step's row gradients per table into TouchedRows. */
export class StepGradients {
  readonly touched: TouchedRows[];
  /** Per table, a [tag, slot] pair per row: the row's slot when its tag is this step's (kernels.accumulateRows). */
  private readonly index: Int32Array[];
  private tag = 0;

  /** `shapes`: every lookup a step stages, which bound how many rows a step touches per table. */
  constructor(
    private readonly layout: UpdateLayout,
    shapes: readonly StageShape[],
  ) {
    this.touched = layout.tables.map((table, t) => {
      const samples = shapes.filter((s) => s.table === t).reduce((n, s) => n + s.capacity, 0);
      const slots = Math.min(samples, table.rows);
      return { rows: sharedInt32(slots), grad: sharedFloat32(slots * table.dim), count: sharedInt32(1) };
    });
    // Written through now: a big table's index would otherwise fault its pages in during the first steps.
    this.index = layout.tables.map((table) => onHugePages(new Int32Array(2 * table.rows)).fill(0));
  }

  /**
   * Sum every lookup's live samples (`counts[l]` of lookup l) per row. With `norm`, returns the
   * squared norm of the rows' and the dense weights' gradients (clipping needs it; otherwise 0,
   * not worth a pass over every gradient).
   */
  accumulate(stages: readonly LookupStage[], counts: ArrayLike<number>, denseGrads: readonly Float32Array[], norm: boolean): number {
    if (++this.tag === 2 ** 31 - 1) {
      // Tags wrap after two billion steps: forget every stamp so none is mistaken for a new one.
      for (const index of this.index) index.fill(0);
      this.tag = 1;
    }
    for (const t of this.touched) t.count[0] = 0;
    stages.forEach(({ table, ids, mask, grad }, l) => {
      const t = this.touched[table]!;
      t.count[0] = kernels.accumulateRows(ids, mask ?? null, counts[l]!, this.layout.tables[table]!.dim, grad, this.index[table]!, this.tag, t.rows, t.grad, t.count[0]!);
    });
    // A loss term's gradient: it joins the rows' gradients before the norm that clipping reads.
    this.layout.tables.forEach((table, i) => table.rowL2 && addRowL2(this.touched[i]!, table.dim, table.rowL2, table.data));
    if (!norm) return 0;
    let squared = 0;
    this.touched.forEach((t, i) => {
      const g = t.grad;
      for (let k = 0, n = t.count[0]! * this.layout.tables[i]!.dim; k < n; k++) squared += g[k]! * g[k]!;
    });
    for (const grad of denseGrads) for (let i = 0; i < grad.length; i++) squared += grad[i]! * grad[i]!;
    return squared;
  }
}

/** Add l2[row] · row to each touched row's gradient: the gradient of Σ_touched l2[row] ‖row‖² / 2. */
function addRowL2({ rows, grad, count }: TouchedRows, dim: number, l2: Float32Array, data: Float32Array): void {
  for (let s = 0; s < count[0]!; s++) {
    const row = rows[s]!;
    const c = l2[row]!;
    for (let k = 0, p = row * dim, g = s * dim; k < dim; k++) grad[g + k] += c * data[p + k]!;
  }
}

/** The optimizer step on the touched rows and the dense weights, a chunk at a time. */
export class StepUpdater {
  private readonly optimizer: Optimizer;
  /** Per array (tables, then dense weights) of the last plan: its first chunk, then the total. */
  private readonly firstChunk: Int32Array;
  /** Per array: rows (tables) or values (dense weights) a chunk holds. */
  private readonly perChunk: Int32Array;

  constructor(
    private readonly layout: UpdateLayout,
    private readonly touched: readonly TouchedRows[],
    /** Threads sharing the step: one thread takes each array whole. */
    private readonly threads = 1,
  ) {
    this.optimizer = createOptimizer(layout.optimizer);
    const arrays = layout.tables.length + layout.dense.length;
    this.firstChunk = new Int32Array(arrays + 1);
    this.perChunk = new Int32Array(arrays);
  }

  /** Cut this step's work (the touched counts as they are now) into chunks; returns how many. */
  plan(): number {
    const { tables, dense } = this.layout;
    const rows = this.touched.map((t) => t.count[0]!);
    const values = tables.reduce((n, t, i) => n + rows[i]! * t.dim, 0) + dense.reduce((n, d) => n + d.data.length, 0);
    const size = this.threads === 1 ? Math.max(1, values) : Math.max(MIN_CHUNK, Math.ceil(values / (CHUNKS_PER_THREAD * this.threads)));
    let chunks = 0;
    const cut = (a: number, per: number, length: number) => {
      this.firstChunk[a] = chunks;
      this.perChunk[a] = per;
      chunks += Math.ceil(length / per);
    };
    tables.forEach((t, i) => cut(i, Math.max(1, Math.floor(size / t.dim)), rows[i]!));
    dense.forEach((d, i) => cut(tables.length + i, size, d.data.length));
    this.firstChunk[tables.length + dense.length] = chunks;
    if (chunks > MAX_CHUNKS) throw new Error(`the optimizer step has ${chunks} arrays and chunks, more than the ${MAX_CHUNKS} the update threads can deal`);
    return chunks;
  }

  /** The optimizer step, gradients scaled by `gradScale`, on chunk `chunk` of the last plan. */
  applyChunk(chunk: number, step: number, gradScale: number, denseGrads: readonly Float32Array[]): void {
    let a = 0;
    while (this.firstChunk[a + 1]! <= chunk) a++;
    const start = (chunk - this.firstChunk[a]!) * this.perChunk[a]!;
    const { tables, dense, embeddingL2 } = this.layout;
    if (a < tables.length) {
      const table = tables[a]!;
      const { rows, grad, count } = this.touched[a]!;
      const end = Math.min(start + this.perChunk[a]!, count[0]!);
      const { dim } = table;
      this.optimizer.update(table.data, rows.subarray(start, end), end - start, dim, grad.subarray(start * dim, end * dim), table.slots, step, table.rowL2 ? 0 : embeddingL2, gradScale);
      return;
    }
    const i = a - tables.length;
    const { data, slots, l2 } = dense[i]!;
    const end = Math.min(start + this.perChunk[a]!, data.length);
    const view = (v: Float32Array) => v.subarray(start, end);
    this.optimizer.update(view(data), WHOLE, 1, end - start, view(denseGrads[i]!), slots.map(view), step, l2, gradScale);
  }

  /** The whole step on this thread: every chunk, in order. */
  apply(step: number, gradScale: number, denseGrads: readonly Float32Array[]): void {
    for (let chunk = 0, n = this.plan(); chunk < n; chunk++) this.applyChunk(chunk, step, gradScale, denseGrads);
  }
}
