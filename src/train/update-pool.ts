/**
 * Spreads the optimizer half of each training step over threads: the main thread plus
 * `threads - 1` workers share the weights, their optimizer slots and a staging copy of the step's
 * ids and gradients through SharedArrayBuffers, and wake each other with Atomics (no message per
 * step). Each thread updates the rows and slices it owns (see StepUpdater), so results do not
 * depend on the thread count.
 */
import { once } from 'node:events';
import { parentPort, Worker } from 'node:worker_threads';
import { sharedFloat32, sharedInt32 } from '../util/shared-memory.js';
import { equalBounds, StepUpdater, type LookupStage, type UpdateLayout } from './step-updater.js';

/** Indices into the control block. */
const GENERATION = 0;
const PENDING = 1;
const PHASE = 2;
const FAILED = 3;
const HELPER_DEADLINE_MS = 120_000;

export const Phase = { accumulate: 1, apply: 2, both: 3, stop: 4 } as const;
type PhaseName = Exclude<keyof typeof Phase, 'stop'>;

/** What a helper thread is handed at start; every array is over a SharedArrayBuffer. */
export interface HelperData {
  layout: UpdateLayout;
  stages: LookupStage[];
  denseGrads: Float32Array[];
  control: Int32Array;
  /** [step, scale, count per lookup ..., squared norm per thread ...]. */
  scalars: Float64Array;
  /** Every thread's share of the work (see StepUpdater). */
  bounds: Float64Array;
  /** Milliseconds each thread spent in the last phase. */
  times: Float64Array;
  /** The failure message of a helper, UTF-8, zero-terminated. */
  failure: Uint8Array;
  part: number;
  parts: number;
}

export interface StageShape {
  table: number;
  /** Most samples (ids) the lookup has in one step: batch × maxLength. */
  capacity: number;
  masked: boolean;
}

export class UpdatePool {
  private readonly own: StepUpdater;
  private readonly stages: LookupStage[];
  private readonly denseGrads: Float32Array[];
  private readonly control = sharedInt32(4);
  private readonly scalars: Float64Array;
  private readonly failure = new Uint8Array(new SharedArrayBuffer(1024));
  private readonly workers: Worker[] = [];
  private readonly counts: Float64Array;
  private readonly norms: Float64Array;
  private readonly bounds: Float64Array;
  private readonly times: Float64Array;

  constructor(
    private readonly layout: UpdateLayout,
    shapes: readonly StageShape[],
    readonly threads: number,
  ) {
    // Alone, the main thread reads each step's arrays where they are (see stage): no staging copy.
    const size = (n: number) => (threads > 1 ? n : 0);
    this.stages = shapes.map(({ table, capacity, masked }) => ({
      table,
      ids: sharedInt32(size(capacity)),
      ...(masked ? { mask: sharedFloat32(size(capacity)) } : {}),
      grad: sharedFloat32(size(capacity * layout.tables[table]!.dim)),
    }));
    this.denseGrads = layout.dense.map((d) => sharedFloat32(size(d.data.length)));
    this.scalars = new Float64Array(new SharedArrayBuffer((2 + shapes.length + threads) * 8));
    this.counts = this.scalars.subarray(2, 2 + shapes.length);
    this.norms = this.scalars.subarray(2 + shapes.length);
    this.bounds = new Float64Array(new SharedArrayBuffer((threads + 1) * 8));
    this.bounds.set(equalBounds(threads));
    this.times = new Float64Array(new SharedArrayBuffer(threads * 8));
    this.own = new StepUpdater(layout, 0, threads, this.bounds);
    for (let part = 1; part < threads; part++) {
      const data: HelperData = { layout, stages: this.stages, denseGrads: this.denseGrads, control: this.control, scalars: this.scalars, bounds: this.bounds, times: this.times, failure: this.failure, part, parts: threads };
      const worker = new Worker(new URL('./update-worker.js', import.meta.url), { workerData: data });
      // Helpers never keep the process alive; close() ends them.
      worker.unref();
      this.workers.push(worker);
    }
  }

  /**
   * Resolves once every helper has loaded and waits for its first phase, so the first step does
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

  /** Copy lookup `l`'s ids, mask and row gradients of this step into shared memory. */
  stage(l: number, ids: Int32Array, mask: Float32Array | undefined, grad: Float32Array, count: number): void {
    const stage = this.stages[l]!;
    this.counts[l] = count;
    if (this.workers.length === 0) {
      // Alone, the main thread reads the step's arrays where they are.
      stage.ids = ids;
      stage.grad = grad;
      if (mask) stage.mask = mask;
      return;
    }
    const dim = this.layout.tables[stage.table]!.dim;
    stage.ids.set(ids.subarray(0, count));
    if (stage.mask && mask) stage.mask.set(mask.subarray(0, count));
    stage.grad.set(grad.subarray(0, count * dim));
  }

  /** Copy dense weight `i`'s gradient of this step into shared memory. */
  stageDense(i: number, grad: Float32Array): void {
    if (this.workers.length === 0) this.denseGrads[i] = grad;
    else this.denseGrads[i]!.set(grad);
  }

  /**
   * Run `phase` on every thread for step `step` with gradient scale `scale`; `meanwhile` runs on
   * the main thread after its own share, while the helpers finish theirs. Returns the squared norm
   * of the gradients accumulated by 'accumulate' over all threads (0 for 'both' and 'apply').
   */
  run(phase: PhaseName, step: number, scale: number, meanwhile?: () => void): number {
    this.scalars[0] = step;
    this.scalars[1] = scale;
    this.norms.fill(0);
    const helpers = this.workers.length;
    if (helpers > 0) {
      Atomics.store(this.control, PENDING, helpers);
      Atomics.store(this.control, PHASE, Phase[phase]);
      Atomics.add(this.control, GENERATION, 1);
      Atomics.notify(this.control, GENERATION);
    }
    const started = performance.now();
    runPhase(this.own, Phase[phase], this.stages, this.denseGrads, this.scalars, this.norms, 0);
    meanwhile?.();
    this.times[0] = performance.now() - started;
    for (let pending; (pending = Atomics.load(this.control, PENDING)) !== 0; ) {
      // Events (a worker's 'error') cannot arrive while the main thread blocks here, hence a deadline.
      if (Atomics.wait(this.control, PENDING, pending, HELPER_DEADLINE_MS) === 'timed-out') throw new Error(`a training helper thread did not finish a step within ${HELPER_DEADLINE_MS / 1000} s`);
    }
    if (Atomics.load(this.control, FAILED) !== 0) {
      const end = this.failure.indexOf(0);
      throw new Error(`a training helper thread failed: ${new TextDecoder().decode(this.failure.slice(0, end < 0 ? undefined : end))}`);
    }
    // Only unclipped steps rebalance: a clipped step's norm is summed per share, so moving the
    // shares would move its last bits.
    if (phase === 'both' && helpers > 0) this.rebalance();
    let squared = 0;
    for (const n of this.norms) squared += n;
    return squared;
  }

  /**
   * Move the shares toward what each thread got done per millisecond in the last step: the main
   * thread also copies and stages, and the helpers read what it staged from another core, so
   * equal shares leave it waiting. The weights do not depend on the shares.
   */
  private rebalance(): void {
    const parts = this.threads;
    const speed = Array.from({ length: parts }, (_, k) => (this.bounds[k + 1]! - this.bounds[k]!) / Math.max(this.times[k]!, 1e-3));
    const total = speed.reduce((a, b) => a + b, 0);
    let at = 0;
    for (let k = 0; k < parts - 1; k++) {
      const share = this.bounds[k + 1]! - this.bounds[k]!;
      // Smoothed, and never below 5% of the work: one noisy step must not starve a thread.
      at += Math.max(0.05, 0.8 * share + 0.2 * (speed[k]! / total));
      this.bounds[k + 1] = Math.min(at, 1 - 0.05 * (parts - 1 - k));
    }
  }

  async close(): Promise<void> {
    if (this.workers.length === 0) return;
    Atomics.store(this.control, PHASE, Phase.stop);
    Atomics.add(this.control, GENERATION, 1);
    Atomics.notify(this.control, GENERATION);
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}

/** One thread's share of a phase; shared by the main thread and the helpers. */
export function runPhase(updater: StepUpdater, phase: number, stages: readonly LookupStage[], denseGrads: readonly Float32Array[], scalars: Float64Array, norms: Float64Array, part: number): void {
  const counts = scalars.subarray(2, 2 + stages.length);
  // 'both' is the step without clipping: no norm needed.
  if (phase === Phase.accumulate || phase === Phase.both) norms[part] = updater.accumulate(stages, counts, denseGrads, phase === Phase.accumulate);
  if (phase === Phase.apply || phase === Phase.both) updater.apply(scalars[0]!, scalars[1]!, denseGrads);
}

/** The helper's loop: wait for a new generation, run its share, report done. */
export function helperLoop(data: HelperData): void {
  const { control, scalars, stages, denseGrads, part, parts } = data;
  const updater = new StepUpdater(data.layout, part, parts, data.bounds);
  parentPort?.postMessage('ready');
  const norms = scalars.subarray(2 + stages.length);
  // Generation 0 is the pool's start: a step dispatched before this thread got here is not missed.
  let generation = 0;
  for (;;) {
    Atomics.wait(control, GENERATION, generation);
    generation = Atomics.load(control, GENERATION);
    const phase = Atomics.load(control, PHASE);
    if (phase === Phase.stop) return;
    const started = performance.now();
    try {
      runPhase(updater, phase, stages, denseGrads, scalars, norms, part);
      data.times[part] = performance.now() - started;
    } catch (error) {
      data.failure.set(new TextEncoder().encode(String((error as Error).stack ?? error)).subarray(0, data.failure.length - 1));
      Atomics.store(control, FAILED, 1);
    }
    if (Atomics.sub(control, PENDING, 1) === 1) Atomics.notify(control, PENDING);
  }
}
