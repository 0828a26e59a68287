/**
 * Spreads the optimizer half of each training step over threads: the main thread sums the step's
 * row gradients (StepGradients), then it and `threads - 1` workers claim chunks of the optimizer
 * step (StepUpdater) until none is left. They share the weights, their optimizer slots, the
 * summed rows and the dense gradients (written there by ONNX Runtime, or copied) through
 * SharedArrayBuffers, and wake each other with Atomics (no message per step). Results do not
 * depend on the thread count.
 *
 * Claiming, rather than fixed shares, is for this machine's virtual CPUs: a sleeping thread
 * sometimes wakes milliseconds late, and a fixed share would hold the step up until it has; here
 * the others take its chunks.
 */
import { once } from 'node:events';
import { parentPort, Worker } from 'node:worker_threads';
import { ortView, sharedFloat32, sharedInt32 } from '../util/shared-memory.js';
import { MAX_CHUNKS, StepGradients, StepUpdater, type LookupStage, type StageShape, type TouchedRows, type UpdateLayout } from './step-updater.js';

/**
 * Indices into the control block. CLAIM holds the step's generation (high bits) and its next
 * unclaimed chunk (low CHUNK_BITS); a chunk is claimed by compare-and-swap on the whole word, so
 * a thread still holding an earlier step's generation claims nothing. DONE counts the step's
 * finished chunks.
 */
const CLAIM = 0;
const DONE = 1;
const STOP = 2;
const FAILED = 3;
const CHUNK_BITS = Math.ceil(Math.log2(MAX_CHUNKS + 2));
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** The chunk field of a finished step: above any chunk count, so nothing more is claimed. */
const CLOSED = CHUNK_MASK;
/** Step numbers the claim word holds; the pool counts steps modulo this. */
export const GENERATIONS = 1 << (31 - CHUNK_BITS);
const HELPER_DEADLINE_MS = 120_000;
/** The main thread spins this long for the helpers' last chunks before it sleeps (a wake-up costs 50-100 µs here). */
const SPIN_MS = 2;

/** What a helper thread is handed at start; every array is over a SharedArrayBuffer. */
export interface HelperData {
  threads: number;
  layout: UpdateLayout;
  touched: TouchedRows[];
  denseGrads: Float32Array[];
  control: Int32Array;
  /** [step, gradient scale]. */
  scalars: Float64Array;
  /** The failure message of a helper, UTF-8, zero-terminated. */
  failure: Uint8Array;
}

/** Open step `generation` (0 <= generation < GENERATIONS) for claims: chunks 0, 1, ... in turn. */
export function openClaims(control: Int32Array, generation: number): void {
  Atomics.store(control, CLAIM, generation << CHUNK_BITS);
}

/** Close step `generation`: nothing more can be claimed from it. */
export function closeClaims(control: Int32Array, generation: number): void {
  Atomics.store(control, CLAIM, (generation << CHUNK_BITS) | CLOSED);
}

/** Claim the next chunk of step `generation`'s `chunks`; -1 when none is left, or the step is closed or not the open one. */
export function claim(control: Int32Array, generation: number, chunks: number): number {
  for (;;) {
    const word = Atomics.load(control, CLAIM);
    const next = word & CHUNK_MASK;
    if (word >>> CHUNK_BITS !== generation || next >= chunks) return -1;
    if (Atomics.compareExchange(control, CLAIM, word, word + 1) === word) return next;
  }
}

/** Claim and apply chunks of `generation` until none is left; wakes the main thread after the step's last. */
function applyClaimed(updater: StepUpdater, control: Int32Array, generation: number, chunks: number, scalars: Float64Array, denseGrads: readonly Float32Array[]): void {
  for (let chunk; (chunk = claim(control, generation, chunks)) >= 0; ) {
    try {
      updater.applyChunk(chunk, scalars[0]!, scalars[1]!, denseGrads);
    } finally {
      if (Atomics.add(control, DONE, 1) === chunks - 1) Atomics.notify(control, DONE);
    }
  }
}

export class UpdatePool {
  private readonly gradients: StepGradients;
  private readonly own: StepUpdater;
  /** The step's lookups, read where they are: only the main thread reads them. */
  private readonly stages: LookupStage[];
  private readonly counts: Float64Array;
  /** The step's dense gradients, where they are. */
  private readonly denseGrads: Float32Array[];
  /** Them for the helpers: a copy, or where ONNX Runtime wrote them (denseOutputs). */
  private readonly helperDense: Float32Array[];
  /**
   * With helpers and the native addon, ONNX Runtime views of helperDense: the trainer has ONNX
   * Runtime write the dense gradients there, and stageDense then copies nothing.
   */
  readonly denseOutputs: (Float32Array | undefined)[];
  private readonly control = sharedInt32(4);
  private readonly scalars = new Float64Array(new SharedArrayBuffer(2 * 8));
  private readonly failure = new Uint8Array(new SharedArrayBuffer(1024));
  private readonly workers: Worker[] = [];
  private generation = 0;

  constructor(
    layout: UpdateLayout,
    shapes: readonly StageShape[],
    readonly threads: number,
  ) {
    this.gradients = new StepGradients(layout, shapes);
    this.own = new StepUpdater(layout, this.gradients.touched, threads);
    this.stages = shapes.map(({ table }) => ({ table, ids: new Int32Array(0), grad: new Float32Array(0) }));
    this.counts = new Float64Array(shapes.length);
    this.denseGrads = layout.dense.map(() => new Float32Array(0));
    this.helperDense = layout.dense.map((d) => sharedFloat32(threads > 1 ? d.data.length : 0));
    this.denseOutputs = threads > 1 ? this.helperDense.map((d) => ortView(d)) : [];
    closeClaims(this.control, 0);
    for (let part = 1; part < threads; part++) {
      const data: HelperData = { threads, layout, touched: this.gradients.touched, denseGrads: this.helperDense, control: this.control, scalars: this.scalars, failure: this.failure };
      const worker = new Worker(new URL('./update-worker.js', import.meta.url), { workerData: data });
      // Helpers never keep the process alive; close() ends them.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Resolves once every helper has loaded and waits for its first step, so the first step does
   * not pay for thread start-up (tens of milliseconds); rejects if one failed to start.
   */
  async ready(): Promise<this> {
    try {
      await Promise.all(this.workers.map((w) => once(w, 'message')));
    } catch (error) {
      await this.close();
      throw new Error(`a training helper thread failed to start: ${(error as Error).message}`);
    }
    return this;
  }

  /** Lookup `l`'s ids, mask and row gradients of this step (read in place until apply returns). */
  stage(l: number, ids: Int32Array, mask: Float32Array | undefined, grad: Float32Array, count: number): void {
    const stage = this.stages[l]!;
    stage.ids = ids;
    stage.grad = grad;
    if (mask) stage.mask = mask;
    else delete stage.mask;
    this.counts[l] = count;
  }

  /** Dense weight `i`'s gradient of this step: read in place, and copied for the helpers unless it is in denseOutputs[i]. */
  stageDense(i: number, grad: Float32Array): void {
    this.denseGrads[i] = grad;
    if (this.workers.length > 0 && grad.buffer !== this.denseOutputs[i]?.buffer) this.helperDense[i]!.set(grad);
  }

  /**
   * Sum the staged row gradients per row (main thread). With `norm`, returns the squared norm of
   * every gradient, for clipping; otherwise 0.
   */
  accumulate(norm: boolean): number {
    return this.gradients.accumulate(this.stages, this.counts, this.denseGrads, norm);
  }

  /**
   * The optimizer step `step` with gradient scale `scale`, over every thread; `meanwhile` runs
   * on the main thread after it ran out of chunks, while the helpers finish theirs.
   */
  apply(step: number, scale: number, meanwhile?: () => void): void {
    if (this.workers.length === 0) {
      this.own.apply(step, scale, this.denseGrads);
      meanwhile?.();
      return;
    }
    const chunks = this.own.plan();
    const { control } = this;
    this.scalars[0] = step;
    this.scalars[1] = scale;
    this.generation = (this.generation + 1) % GENERATIONS;
    Atomics.store(control, DONE, 0);
    openClaims(control, this.generation);
    Atomics.notify(control, CLAIM);
    applyClaimed(this.own, control, this.generation, chunks, this.scalars, this.denseGrads);
    meanwhile?.();
    const until = performance.now() + SPIN_MS;
    while (Atomics.load(control, DONE) !== chunks && performance.now() < until);
    for (let done; (done = Atomics.load(control, DONE)) !== chunks; ) {
      // Events (a worker's 'error') cannot arrive while the main thread blocks here, hence a deadline.
      if (Atomics.wait(control, DONE, done, HELPER_DEADLINE_MS) === 'timed-out') throw new Error(`a training helper thread did not finish a step within ${HELPER_DEADLINE_MS / 1000} s`);
    }
    closeClaims(control, this.generation);
    if (Atomics.load(control, FAILED) !== 0) {
      const end = this.failure.indexOf(0);
      throw new Error(`a training helper thread failed: ${new TextDecoder().decode(this.failure.slice(0, end < 0 ? undefined : end))}`);
    }
  }

  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.control, STOP, 1);
    Atomics.notify(this.control, CLAIM);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** The helper's loop: sleep until a step opens, claim its chunks, sleep again. */
export function helperLoop(data: HelperData): void {
  const { control, scalars, denseGrads } = data;
  const updater = new StepUpdater(data.layout, data.touched, data.threads);
  parentPort?.postMessage('ready');
  let last = -1;
  for (;;) {
    const word = Atomics.load(control, CLAIM);
    if (Atomics.load(control, STOP) !== 0) return;
    const generation = word >>> CHUNK_BITS;
    if ((word & CHUNK_MASK) === CLOSED || generation === last) {
      Atomics.wait(control, CLAIM, word);
      continue;
    }
    last = generation;
    // The plan reads the step's touched counts; if the step has closed meanwhile, claim() refuses.
    try {
      applyClaimed(updater, control, generation, updater.plan(), scalars, denseGrads);
    } catch (error) {
      data.failure.set(new TextEncoder().encode(String((error as Error).stack ?? error)).subarray(0, data.failure.length - 1));
      Atomics.store(control, FAILED, 1);
    }
  }
}
