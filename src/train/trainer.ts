/**
 * The training loop: seeded shuffling, one ONNX Runtime call per batch for forward + backward,
 * dense updates over whole tensors and row-sparse updates over only the embedding rows the batch
 * touched, global-norm clipping, per-epoch validation with early stopping and best-weights
 * restore, and an atomic checkpoint every epoch that `resume` continues from.
 */
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import type { Batch } from '../data/batch.js';
import { gradientOf, type EmbeddingLookup, type StateUpdate } from '../layers/build-context.js';
import { OnnxSession, defaultThreads } from '../engine/runtime.js';
import { NativeSession, warnIfBf16Emulated } from '../engine/native-session.js';
import { readTensorFile, writeTensorFile, type NamedTensor } from '../engine/tensor-file.js';
import { ArtifactError, ConfigError, DataError } from '../errors.js';
import { higherIsBetter, needsGroups } from '../metrics/index.js';
import { Random } from '../util/random.js';
import { BatchFeeder, lookupIds } from './batch-feeder.js';
import { withSampledNegatives } from './sampled-negatives.js';
import { createOptimizer, resolveArithmetic, type Optimizer } from './optimizers.js';
import { frequencyScaledL2, idFrequencies } from './id-frequency.js';
import { UpdatePool } from './update-pool.js';
import { Predictor, type BatchSource } from './predict.js';
import type { RankingModel } from './ranking-model.js';
import type { TrainConfig } from './train-config.js';
import { groupRows, LIST_MASK, ListBatcher } from './listwise.js';
import { defaultMetrics, splitTaskMetric, taskMetricNames, watchedTaskMetric } from './task-metrics.js';
import { FeatureDropout } from './feature-dropout.js';
import { StepOutputs, type OutputSpec } from './step-outputs.js';

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

export { defaultMetrics };

export class Trainer {
  /** Its config has the arithmetic resolved for the step's products. */
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
    this.optimizer = createOptimizer(resolveArithmetic(config.optimizer, config.precision));
    this.threads = config.threads ?? defaultThreads();
    if (config.taskWeights !== undefined && !model.multiTask) throw new ConfigError(`train.taskWeights weighs the tasks of a multi-task model; '${model.model.type}' has one task`, { field: 'train.taskWeights' });
    this.metricNames = model.multiTask ? taskMetricNames(model.heads, config.metrics) : [...(config.metrics ?? defaultMetrics(model.head.kind))];
  }

  /** Optimizer slots of parameter `name`, shared with the update threads. */
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
    const grouped = this.metrics.filter((name) => needsGroups(splitTaskMetric(name).metric));
    if (grouped.length > 0 && !this.config.groupBy) throw new ConfigError(`metrics ${grouped.join(', ')} need train.groupBy`, { field: 'train.groupBy' });
    const groupBy = this.config.groupBy ? { groupBy: this.config.groupBy } : {};
    const out = this.model.multiTask ? await this.evaluateTasks(own, split, groupBy) : await own.evaluate(split.source, split.rows, { task: this.model.head.task, metrics: this.metrics, ...groupBy });
    if (!predictor) await own.release();
    return out;
  }

  /** Each head's metrics over its present labels, keyed `<task>.<metric>`. */
  private async evaluateTasks(predictor: Predictor, split: Split, groupBy: { groupBy?: string }): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const { task } of this.model.heads) {
      const metrics = this.metrics.filter((name) => splitTaskMetric(name).task === task).map((name) => splitTaskMetric(name).metric);
      const values = await predictor.evaluate(split.source, split.rows, { task, metrics, ...groupBy });
      for (const [metric, value] of Object.entries(values)) out[`${task}.${metric}`] = value;
    }
    return out;
  }

  async fit(train: Split, validation?: Split, { checkpointDir, resume = false }: { checkpointDir?: string; resume?: boolean } = {}): Promise<TrainResult> {
    const { epochs, batchSize, earlyStopping } = this.config;
    if (train.rows.length === 0) throw new DataError('the training split is empty');
    if (earlyStopping && !validation) throw new ConfigError('early stopping needs a validation split', { field: 'train.earlyStopping' });
    const watched = earlyStopping && this.model.multiTask ? watchedTaskMetric(this.model.heads, earlyStopping.metric) : earlyStopping?.metric;
    if (watched && !this.metricNames.includes(watched)) this.metricNames.push(watched);

    const { listwise } = this.config;
    // deeprank's own sessions run its fused operators; onnxruntime-node's run the plain ONNX graph.
    const fused = NativeSession.unavailable() === undefined;
    const { bytes, built } = this.model.trainingGraph(listwise, this.config.taskWeights, { products: this.config.precision, fused });
    if (listwise && built.ctx.stateUpdates.length > 0) {
      throw new ConfigError('listwise training pads lists with ignored rows, which batch normalization would count in its batch statistics; set the model\'s batchNorm: false', { field: 'train.listwise' });
    }
    const lists = listwise ? new ListBatcher(groupRows(train.source, train.rows, listwise.groupBy), listwise.listSize, batchSize) : undefined;
    const sessionOptions = { threads: this.threads, spin: 'within-run' } as const;
    const native = NativeSession.create(bytes, sessionOptions);
    if (!native && this.config.precision === 'bf16') {
      throw new ConfigError(`precision 'bf16' needs deeprank's native addon (${NativeSession.unavailable()}); use precision 'float32'`, { field: 'train.precision' });
    }
    if (this.config.precision === 'bf16') warnIfBf16Emulated("train.precision 'bf16'");
    const session = native ?? (await OnnxSession.create(bytes, sessionOptions));
    const feeder = new BatchFeeder(built.ctx, this.model.params, this.model.spec.numeric.length, this.model.head.task);
    const featureDropout = new FeatureDropout(this.config.featureDropout ?? {}, this.model.spec, this.config.seed);
    const predictor = validation ? await Predictor.create(this.model, this.threads) : undefined;
    const denseNames = built.graph.inputs.filter((i) => i.kind === 'param' && this.model.params.dense.has(i.name)).map((i) => i.name);
    const fetches = [...new Set(['loss', ...denseNames.map((n) => `grad/${n}`), ...built.ctx.lookups.map(gradientOf), ...built.ctx.stateUpdates.map((u) => u.output)])];

    const rng = new Random(this.config.seed);
    let state: CheckpointState = { epoch: 0, step: 0, rng: rng.getState(), history: [], bestEpoch: 0, bestValue: null, waited: 0 };
    // A copy of every weight only when early stopping may restore it: for large tables it is most of the memory.
    let best: Map<string, Float32Array> | undefined;
    if (resume && checkpointDir && existsSync(join(checkpointDir, 'checkpoint.bin'))) {
      state = await this.loadCheckpoint(checkpointDir);
      rng.setState(state.rng);
      if (existsSync(join(checkpointDir, 'best.bin'))) best = new Map([...(await readTensorFile(join(checkpointDir, 'best.bin'))).tensors].map(([k, t]) => [k, t.data]));
    }

    const pool = await this.updatePool(built.ctx.lookups, denseNames, train).ready();
    const outputs = this.stepOutputs(built.ctx.lookups, denseNames, built.ctx.stateUpdates, pool, native !== undefined);
    const stepsPerEpoch = lists ? lists.stepsPerEpoch : Math.ceil(train.rows.length / batchSize);
    const better = (a: number, b: number) => (higherIsBetter(splitTaskMetric(watched!).metric) ? a > b + earlyStopping!.minDelta : a < b - earlyStopping!.minDelta);

    try {
      for (let epoch = state.epoch + 1; epoch <= epochs; epoch++) {
        train.source.startEpoch?.(epoch);
        const { order, mask: listMask } = lists ? lists.epoch(rng) : { order: rng.shuffle(train.rows.slice()), mask: undefined };
        const started = performance.now();
        let lossSum = 0;
        let seen = 0;
        let stepInEpoch = 0;
        for (const read of train.source.batches(order, lists ? lists.rowsPerBatch : batchSize)) {
          state.step++;
          // Feeds and updates read the same ids, so the OOV row gets the gradients of the dropped rows.
          const batch = withSampledNegatives(featureDropout.apply(read, state.step), built.ctx.lookups, (table) => this.model.params.tables.get(table)!.rows, rng);
          stepInEpoch++;
          const feeds = feeder.feeds(batch, rng);
          if (listMask) feeds[LIST_MASK] = { data: listMask.subarray(seen, seen + batch.size), shape: [batch.size, 1] };
          const into = outputs.forBatch(batch.size);
          const out = await session.run(feeds, fetches, into);
          for (const [name, { data }] of Object.entries(into)) out[name] = data;
          const loss = (out.loss as Float32Array)[0]!;
          if (!Number.isFinite(loss)) throw new DataError(`training loss became ${loss} at epoch ${epoch}, step ${stepInEpoch}; lower the learning rate or check the features for extreme values`);
          this.applyUpdates(out as Record<string, Float32Array>, denseNames, built.ctx.lookups, built.ctx.stateUpdates, batch, pool, state.step);
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
    } finally {
      await pool.close();
    }
    if (best) this.model.params.restore(best);
    const bestRecord = state.history.find((h) => h.epoch === state.bestEpoch);
    const result: TrainResult = { history: state.history, bestEpoch: state.bestEpoch, best: bestRecord?.validation ?? {} };
    await session.release();
    await predictor?.release();
    return result;
  }

  /**
   * Where a step's run writes its outputs: with the C API session, every output into arrays kept
   * from step to step; through onnxruntime-node, which returns a copy of each output anyway, only
   * the dense gradients the update pool's helpers read from shared memory.
   */
  private stepOutputs(lookups: readonly EmbeddingLookup[], denseNames: readonly string[], stateUpdates: readonly StateUpdate[], pool: UpdatePool, all: boolean): StepOutputs {
    const { params } = this.model;
    const specs: OutputSpec[] = denseNames.map((name, i) => ({ name: `grad/${name}`, shape: params.dense.get(name)!.shape, perRow: false, into: pool.denseOutputs[i] }));
    if (all) {
      specs.push({ name: 'loss', shape: [], perRow: false });
      for (const lookup of lookups) {
        const { dim } = params.tables.get(lookup.table)!;
        specs.push({ name: gradientOf(lookup), shape: lookup.maxLength === undefined ? [dim] : [lookup.maxLength, dim], perRow: true });
      }
      for (const update of stateUpdates) specs.push({ name: update.output, shape: params.state.get(update.state)!.shape, perRow: false });
    }
    return new StepOutputs(all ? specs : specs.filter((s) => s.into));
  }

  /** Threads for the optimizer: every table a lookup reads and every dense weight, with their slots. */
  private updatePool(lookups: readonly EmbeddingLookup[], denseNames: readonly string[], train: Split): UpdatePool {
    const params = this.model.params;
    const names = [...new Set(lookups.map((l) => l.table))];
    const frequencies = this.config.miniBatchAwareL2 ? idFrequencies(train.source, train.rows, lookups, (name) => params.tables.get(name)!.rows) : undefined;
    const tables = names.map((name) => {
      const t = params.tables.get(name)!;
      const rowL2 = frequencies ? { rowL2: frequencyScaledL2(frequencies.get(name)!, this.config.embeddingL2) } : {};
      return { rows: t.rows, dim: t.dim, data: t.data, slots: this.slotsFor(name, t.data.length), ...rowL2 };
    });
    const dense = denseNames.map((name) => {
      const p = params.dense.get(name)!;
      return { data: p.data, slots: this.slotsFor(name, p.data.length), l2: p.l2 ?? this.config.l2 };
    });
    const shapes = lookups.map((l) => ({ table: names.indexOf(l.table), capacity: this.config.batchSize * (l.maxLength ?? 1) }));
    return new UpdatePool({ optimizer: this.optimizer.config, embeddingL2: this.config.embeddingL2, tables, dense }, shapes, this.threads);
  }

  private applyUpdates(
    out: Record<string, Float32Array>,
    denseNames: readonly string[],
    lookups: readonly EmbeddingLookup[],
    stateUpdates: readonly StateUpdate[],
    batch: Batch,
    pool: UpdatePool,
    step: number,
  ): void {
    lookups.forEach((lookup, l) => {
      const { ids, mask } = lookupIds(batch, lookup);
      pool.stage(l, ids, mask, out[gradientOf(lookup)]!, lookup.maxLength === undefined ? batch.size : batch.size * lookup.maxLength);
    });
    denseNames.forEach((name, i) => pool.stageDense(i, out[`grad/${name}`]!));
    // Batch-norm running statistics move on the main thread while the helpers update weights.
    const updateState = () => {
      for (const update of stateUpdates) {
        const s = this.model.params.state.get(update.state)!;
        const value = out[update.output]!;
        for (let i = 0; i < s.data.length; i++) s.data[i] = update.momentum * s.data[i]! + (1 - update.momentum) * value[i]!;
      }
    };
    const clipNorm = this.config.clipNorm;
    const norm = Math.sqrt(pool.accumulate(clipNorm !== undefined));
    pool.apply(step, clipNorm !== undefined && norm > clipNorm ? clipNorm / norm : 1, updateState);
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
        const slot = this.slotsFor(rest.join('/'), t.data.length)[Number(k)];
        if (!slot || slot.length !== t.data.length) throw new ArtifactError(`checkpoint slot '${name}' does not match this model's optimizer`, { file: join(dir, 'checkpoint.bin') });
        slot.set(t.data);
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

