/**
 * The training loop: seeded shuffling, one ONNX Runtime call per batch for forward + backward,
 * dense updates over whole tensors and row-sparse updates over only the embedding rows the batch
 * touched, global-norm clipping, per-epoch validation with early stopping and best-weights
 * restore, and an atomic checkpoint every epoch that `resume` continues from.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Batch } from '../data/batch.js';
import type { EmbeddingLookup, StateUpdate } from '../layers/build-context.js';
import { OnnxSession, defaultThreads } from '../engine/runtime.js';
import type { EmbeddingTable } from '../engine/parameter-store.js';
import { readTensorFile, writeTensorFile, type NamedTensor } from '../engine/tensor-file.js';
import { ArtifactError, ConfigError, DataError } from '../errors.js';
import { higherIsBetter, needsGroups } from '../metrics/index.js';
import { Random } from '../util/random.js';
import { BatchFeeder, lookupIds } from './batch-feeder.js';
import { createOptimizer, type Optimizer } from './optimizers.js';
import { Predictor, type BatchSource } from './predict.js';
import type { RankingModel } from './ranking-model.js';
import type { TrainConfig } from './train-config.js';

export interface StepInfo {
  epoch: number;
  epochs: number;
  step: number;
  stepsPerEpoch: number;
  /** Mean training loss over the epoch so far. */
  loss: number;
  samplesPerSecond: number;
}

export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  validation: Record<string, number>;
  seconds: number;
  samplesPerSecond: number;
}

export interface TrainCallbacks {
  onStep?(info: StepInfo): void;
  onEpoch?(record: EpochRecord): void;
}

export interface TrainResult {
  history: EpochRecord[];
  bestEpoch: number;
  /** Validation metrics of the restored (best) weights. */
  best: Record<string, number>;
}

export interface Split {
  source: BatchSource;
  rows: Int32Array;
}

interface CheckpointState {
  epoch: number;
  step: number;
  rng: number[];
  history: EpochRecord[];
  bestEpoch: number;
  bestValue: number | null;
  waited: number;
}

/** Metrics reported by default for a head kind. */
export function defaultMetrics(kind: 'binary' | 'regression'): string[] {
  return kind === 'binary' ? ['auc', 'logloss'] : ['rmse', 'mae'];
}

export class Trainer {
  private readonly optimizer: Optimizer;
  private readonly slots = new Map<string, Float32Array[]>();
  private readonly threads: number;
  /** Validation metrics: the configured ones (or the head's defaults) plus the early-stopping one. */
  private readonly metricNames: string[];

  constructor(
    private readonly model: RankingModel,
    private readonly config: TrainConfig,
    private readonly callbacks: TrainCallbacks = {},
  ) {
    this.optimizer = createOptimizer(config.optimizer);
    this.threads = config.threads ?? defaultThreads();
    this.metricNames = [...(config.metrics ?? defaultMetrics(model.head.kind))];
  }

  private slotsFor(name: string, size: number): Float32Array[] {
    let s = this.slots.get(name);
    if (!s) {
      s = this.optimizer.createSlots(size);
      this.slots.set(name, s);
    }
    return s;
  }

  get metrics(): string[] {
    return this.metricNames;
  }

  async evaluate(split: Split, predictor?: Predictor): Promise<Record<string, number>> {
    const own = predictor ?? (await Predictor.create(this.model, this.threads));
    const grouped = this.metrics.some(needsGroups);
    if (grouped && !this.config.groupBy) throw new ConfigError(`metrics ${this.metrics.filter(needsGroups).join(', ')} need train.groupBy`, { field: 'train.groupBy' });
    const out = await own.evaluate(split.source, split.rows, { task: this.model.head.task, metrics: this.metrics, ...(this.config.groupBy ? { groupBy: this.config.groupBy } : {}) });
    if (!predictor) await own.release();
    return out;
  }

  async fit(train: Split, validation?: Split, { checkpointDir, resume = false }: { checkpointDir?: string; resume?: boolean } = {}): Promise<TrainResult> {
    const { epochs, batchSize, earlyStopping } = this.config;
    if (train.rows.length === 0) throw new DataError('the training split is empty');
    if (earlyStopping && !validation) throw new ConfigError('early stopping needs a validation split', { field: 'train.earlyStopping' });
    const watched = earlyStopping?.metric;
    if (watched && !this.metricNames.includes(watched)) this.metricNames.push(watched);

    const { bytes, built } = this.model.trainingGraph();
    const session = await OnnxSession.create(bytes, { threads: this.threads });
    const feeder = new BatchFeeder(built.ctx, this.model.params, this.model.spec.numeric.length, this.model.head.task);
    const predictor = validation ? await Predictor.create(this.model, this.threads) : undefined;
    const denseNames = built.graph.inputs.filter((i) => i.kind === 'param' && this.model.params.dense.has(i.name)).map((i) => i.name);
    const fetches = ['loss', ...denseNames.map((n) => `grad/${n}`), ...built.ctx.lookups.map((l) => `grad/${l.input}`), ...built.ctx.stateUpdates.map((u) => u.output)];

    const rng = new Random(this.config.seed);
    let state: CheckpointState = { epoch: 0, step: 0, rng: rng.getState(), history: [], bestEpoch: 0, bestValue: null, waited: 0 };
    // A copy of every weight only when early stopping may restore it: for large tables it is most of the memory.
    let best: Map<string, Float32Array> | undefined;
    if (resume && checkpointDir && existsSync(join(checkpointDir, 'checkpoint.bin'))) {
      state = await this.loadCheckpoint(checkpointDir);
      rng.setState(state.rng);
      if (existsSync(join(checkpointDir, 'best.bin'))) best = new Map([...(await readTensorFile(join(checkpointDir, 'best.bin'))).tensors].map(([k, t]) => [k, t.data]));
    }

    const sparse = new SparseAccumulator();
    const stepsPerEpoch = Math.ceil(train.rows.length / batchSize);
    const better = (a: number, b: number) => (higherIsBetter(watched!) ? a > b + earlyStopping!.minDelta : a < b - earlyStopping!.minDelta);

    for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
      const order = train.rows.slice();
      rng.shuffle(order);
      const started = performance.now();
      let lossSum = 0;
      let seen = 0;
      let stepInEpoch = 0;
      for (const batch of train.source.batches(order, batchSize)) {
        state.step++;
        stepInEpoch++;
        const out = await session.run(feeder.feeds(batch, rng), fetches);
        const loss = (out.loss as Float32Array)[0]!;
        if (!Number.isFinite(loss)) throw new DataError(`training loss became ${loss} at epoch ${epoch}, step ${stepInEpoch}; lower the learning rate or check the features for extreme values`);
        this.applyUpdates(out as Record<string, Float32Array>, denseNames, built.ctx.lookups, built.ctx.stateUpdates, batch, sparse, state.step);
        lossSum += loss * batch.size;
        seen += batch.size;
        this.callbacks.onStep?.({ epoch, epochs, step: stepInEpoch, stepsPerEpoch, loss: lossSum / seen, samplesPerSecond: seen / ((performance.now() - started) / 1000) });
      }
      const seconds = (performance.now() - started) / 1000;
      const record: EpochRecord = { epoch, trainLoss: lossSum / seen, validation: validation ? await this.evaluate(validation, predictor) : {}, seconds, samplesPerSecond: seen / seconds };
      state.history.push(record);
      state.epoch = epoch;
      this.callbacks.onEpoch?.(record);

      let stop = false;
      if (watched) {
        const value = record.validation[watched]!;
        if (state.bestValue === null || better(value, state.bestValue)) {
          state.bestValue = value;
          state.bestEpoch = epoch;
          state.waited = 0;
          best = this.model.params.snapshot();
          if (checkpointDir) await writeTensorFile(join(checkpointDir, 'best.bin'), new Map([...best].map(([k, data]) => [k, { shape: [data.length], data }])));
        } else {
          // Keras semantics: stop once `patience` epochs in a row brought no improvement.
          stop = ++state.waited >= earlyStopping!.patience;
        }
      } else {
        state.bestEpoch = epoch;
      }
      state.rng = rng.getState();
      if (checkpointDir) await this.saveCheckpoint(checkpointDir, state);
      if (stop) break;
    }
    if (best) this.model.params.restore(best);
    const bestRecord = state.history.find((h) => h.epoch === state.bestEpoch);
    const result: TrainResult = { history: state.history, bestEpoch: state.bestEpoch, best: bestRecord?.validation ?? {} };
    await session.release();
    await predictor?.release();
    return result;
  }

  private applyUpdates(
    out: Record<string, Float32Array>,
    denseNames: readonly string[],
    lookups: readonly EmbeddingLookup[],
    stateUpdates: readonly StateUpdate[],
    batch: Batch,
    sparse: SparseAccumulator,
    step: number,
  ): void {
    const params = this.model.params;
    sparse.reset();
    for (const lookup of lookups) {
      const table = params.tables.get(lookup.table)!;
      const { ids, mask } = lookupIds(batch, lookup);
      const count = lookup.maxLength === undefined ? batch.size : batch.size * lookup.maxLength;
      sparse.add(table, ids, mask, count, out[`grad/${lookup.input}`]!);
    }
    let scale = 1;
    if (this.config.clipNorm !== undefined) {
      let squared = sparse.squaredNorm();
      for (const name of denseNames) for (const g of out[`grad/${name}`]!) squared += g * g;
      const norm = Math.sqrt(squared);
      if (norm > this.config.clipNorm) scale = this.config.clipNorm / norm;
    }
    for (const name of denseNames) {
      const p = params.dense.get(name)!;
      this.optimizer.update(p.data, 0, p.data.length, out[`grad/${name}`]!, 0, this.slotsFor(name, p.data.length), step, p.l2 ?? this.config.l2, scale);
    }
    sparse.apply((table, rows, grad) => {
      const slots = this.slotsFor(table.name, table.data.length);
      const dim = table.dim;
      for (let slot = 0; slot < rows.length; slot++) {
        this.optimizer.update(table.data, rows[slot]! * dim, dim, grad, slot * dim, slots, step, this.config.embeddingL2, scale);
      }
    });
    for (const update of stateUpdates) {
      const s = params.state.get(update.state)!;
      const value = out[update.output]!;
      for (let i = 0; i < s.data.length; i++) s.data[i] = update.momentum * s.data[i]! + (1 - update.momentum) * value[i]!;
    }
  }

  private async saveCheckpoint(dir: string, state: CheckpointState): Promise<void> {
    const tensors = new Map<string, NamedTensor>();
    for (const [name, t] of this.model.params.allTensors()) tensors.set(`param/${name}`, t);
    for (const [name, slots] of this.slots) slots.forEach((data, k) => tensors.set(`slot/${k}/${name}`, { shape: [data.length], data }));
    await writeTensorFile(join(dir, 'checkpoint.bin'), tensors, state);
  }

  private async loadCheckpoint(dir: string): Promise<CheckpointState> {
    const { tensors, metadata } = await readTensorFile(join(dir, 'checkpoint.bin'));
    const params = new Map<string, Float32Array>();
    for (const [name, t] of tensors) {
      if (name.startsWith('param/')) params.set(name.slice(6), t.data);
      else if (name.startsWith('slot/')) {
        const [, k, ...rest] = name.split('/');
        const key = rest.join('/');
        const list = this.slots.get(key) ?? [];
        list[Number(k)] = t.data.slice();
        this.slots.set(key, list);
      }
    }
    try {
      this.model.params.restore(params);
    } catch (error) {
      throw new ArtifactError(`checkpoint does not match this model: ${(error as Error).message}`, { file: join(dir, 'checkpoint.bin') });
    }
    return metadata as CheckpointState;
  }
}

/**
 * Scatter-add of gathered-row gradients into one gradient per distinct table row, so a row used
 * by several samples (or several lookups sharing a table) gets one optimizer update per step.
 */
class SparseAccumulator {
  private readonly perTable = new Map<EmbeddingTable, { slotOf: Int32Array; rows: number[]; grad: Float32Array }>();

  reset(): void {
    for (const entry of this.perTable.values()) {
      for (const r of entry.rows) entry.slotOf[r] = -1;
      entry.rows.length = 0;
    }
  }

  add(table: EmbeddingTable, ids: Int32Array, mask: Float32Array | undefined, count: number, grad: Float32Array): void {
    let entry = this.perTable.get(table);
    if (!entry) {
      entry = { slotOf: new Int32Array(table.rows).fill(-1), rows: [], grad: new Float32Array(0) };
      this.perTable.set(table, entry);
    }
    const dim = table.dim;
    const needed = (entry.rows.length + count) * dim;
    if (entry.grad.length < needed) {
      const grown = new Float32Array(Math.max(needed, entry.grad.length * 2));
      grown.set(entry.grad.subarray(0, entry.rows.length * dim));
      entry.grad = grown;
    }
    for (let i = 0; i < count; i++) {
      if (mask && mask[i] === 0) continue;
      const r = ids[i]!;
      let slot = entry.slotOf[r]!;
      if (slot < 0) {
        slot = entry.slotOf[r] = entry.rows.length;
        entry.rows.push(r);
        entry.grad.fill(0, slot * dim, (slot + 1) * dim);
      }
      const g = entry.grad;
      const base = slot * dim;
      const src = i * dim;
      for (let d = 0; d < dim; d++) g[base + d] += grad[src + d]!;
    }
  }

  squaredNorm(): number {
    let s = 0;
    for (const [table, { rows, grad }] of this.perTable) for (let i = 0; i < rows.length * table.dim; i++) s += grad[i]! * grad[i]!;
    return s;
  }

  /** Hand each table its distinct rows and their summed gradients (row `rows[k]` at k * dim). */
  apply(update: (table: EmbeddingTable, rows: readonly number[], grad: Float32Array) => void): void {
    for (const [table, { rows, grad }] of this.perTable) update(table, rows, grad);
  }
}
