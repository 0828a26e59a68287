/**
 * Trains a graph whose trainable inputs are all dense weights of a ParameterStore and whose other
 * inputs are data fed by the caller each step: gradients from our autodiff, forward + backward in
 * one ONNX Runtime call, then one optimizer step per weight tensor (WHOLE). For models whose batch
 * is not a Batch of feature rows (AutoRec's item columns); per-row feature models use Trainer.
 */
import { gradients } from '../engine/autodiff.js';
import type { Sym } from '../engine/graph.js';
import { exportOnnx } from '../engine/onnx-export.js';
import type { DenseParam, ParameterStore } from '../engine/parameter-store.js';
import { OnnxSession, defaultThreads, type Feed } from '../engine/runtime.js';
import { DataError } from '../errors.js';
import { createOptimizer, WHOLE, type Optimizer, type OptimizerConfig } from './optimizers.js';

export class DenseWeightTrainer {
  private step = 0;

  private constructor(
    private readonly session: OnnxSession,
    private readonly weights: readonly DenseParam[],
    /** ONNX Runtime takes no SharedArrayBuffer, and the store's weights are shared: it reads these copies. */
    private readonly fed: readonly Float32Array[],
    private readonly slots: readonly Float32Array[][],
    private readonly optimizer: Optimizer,
  ) {}

  /** `loss`: a scalar of a graph whose `param` inputs are weights of `params`. */
  static async create(loss: Sym, params: ParameterStore, optimizer: OptimizerConfig, { threads = defaultThreads() } = {}): Promise<DenseWeightTrainer> {
    const graph = loss.graph;
    const weights = graph.inputs.filter((i) => i.kind === 'param').map((i) => {
      const weight = params.dense.get(i.name);
      if (!weight) throw new Error(`graph weight '${i.name}' is not a dense weight of the parameter store`);
      return weight;
    });
    const grads = gradients(loss, weights.map((w) => graph.findInput(w.name)!.sym));
    const outputs: Record<string, Sym> = { loss };
    weights.forEach((w, k) => (outputs[`grad/${w.name}`] = grads[k]!));
    const session = await OnnxSession.create(exportOnnx(graph, { outputs, graphName: 'dense-weight-train' }), { threads });
    const rule = createOptimizer(optimizer);
    return new DenseWeightTrainer(session, weights, weights.map((w) => new Float32Array(w.data.length)), weights.map((w) => rule.createSlots(w.data.length)), rule);
  }

  /** One step on a batch of `data` feeds; returns the batch's loss before the update. */
  async run(data: Readonly<Record<string, Feed>>): Promise<number> {
    const feeds: Record<string, Feed> = { ...data };
    this.weights.forEach((w, k) => {
      this.fed[k]!.set(w.data);
      feeds[w.name] = { data: this.fed[k]!, shape: w.shape };
    });
    const out = await this.session.run(feeds);
    const loss = (out.loss as Float32Array)[0]!;
    if (!Number.isFinite(loss)) throw new DataError(`training loss became ${loss} at step ${this.step + 1}; lower the learning rate`);
    this.step++;
    this.weights.forEach((w, k) => {
      this.optimizer.update(w.data, WHOLE, 1, w.data.length, out[`grad/${w.name}`] as Float32Array, this.slots[k]!, this.step, w.l2 ?? 0, 1);
    });
    return loss;
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
