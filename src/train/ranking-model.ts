/**
 * A ranking model: feature spec + model definition + its parameters, and the three graphs built
 * from them (train, eval, export). The head turns the model's logit into a prediction and a loss:
 * binary -> sigmoid and sigmoid cross-entropy; regression -> logit + offset and squared error.
 * A model with its own loss over the whole batch (two-tower's in-batch softmax) skips the head.
 * A multi-task model has a head per task (one logit each, ModelOutput.logits); its loss masks
 * missing labels and weighs the tasks (multi-task-loss.ts), and its graphs output
 * `prediction/<task>` per task besides `prediction` (the first, main task).
 */
import type { FeatureSpec } from '../data/batch.js';
import { Graph, Sym, type FloatType, type ProductPrecision } from '../engine/graph.js';
import { gradients } from '../engine/autodiff.js';
import { exportOnnx, type ExportOptions } from '../engine/onnx-export.js';
import type { Quantization } from '../engine/int8-quantization.js';
import { add, reduceMean, sigmoid, sigmoidCrossEntropy, slice, square, sub } from '../engine/ops.js';
import { ParameterStore } from '../engine/parameter-store.js';
import { BATCH, BuildContext, gradientOf, type BuildMode } from '../layers/build-context.js';
import { FeatureInputs } from '../models/feature-inputs.js';
import { modelDefinition } from '../models/registry.js';
import { ConfigError } from '../errors.js';
import { z } from 'zod';
import { parseWithSchema } from '../data/data-config.js';
import { listwiseLoss } from './listwise.js';
import { maskedMean, multiTaskLoss, type TaskWeights } from './multi-task-loss.js';
import type { ListwiseConfig } from './train-config.js';
import type { BatchSource } from './predict.js';

export interface ModelSpec {
  type: string;
  /** Validated model hyper-parameters (defaults filled in). */
  config: Record<string, unknown>;
}

export interface Head {
  task: string;
  kind: 'binary' | 'regression';
  /** Added to the logit of a regression head: the training label mean, so training starts centred. */
  offset: number;
}

/** The graph output (and calibration key) of one task's prediction in a multi-task model. */
export function predictionOutput(task: string): string {
  return `prediction/${task}`;
}

/** A head's per-row loss: sigmoid cross-entropy (binary) or squared error (regression). */
function headLoss(kind: Head['kind'], logit: Sym, label: Sym): Sym {
  return kind === 'binary' ? sigmoidCrossEntropy(logit, label) : square(sub(logit, label));
}

function headPrediction(head: Head, raw: Sym): { logit: Sym; prediction: Sym } {
  const logit = head.kind === 'regression' && head.offset !== 0 ? add(raw, raw.graph.scalar(head.offset)) : raw;
  return { logit, prediction: head.kind === 'binary' ? sigmoid(logit) : logit };
}

export interface BuiltGraph {
  graph: Graph;
  ctx: BuildContext;
  logit: Sym;
  prediction: Sym;
  /** Multi-task models: each task's prediction, by output name (predictionOutput). */
  predictions: Record<string, Sym>;
  /** The model's further outputs (e.g. tower embeddings), also written to the eval graph. */
  outputs: Record<string, Sym>;
  /** Column labels of the outputs that explain a prediction (e.g. AFM's 'attention': one per field pair). */
  columns: Record<string, string[]>;
  /** Train mode only. */
  loss?: Sym;
}

export class RankingModel {
  readonly params: ParameterStore;
  /** One head per task the model predicts; the first is the main one. */
  readonly heads: readonly Head[];

  constructor(
    readonly spec: FeatureSpec,
    readonly model: ModelSpec,
    head: Head | readonly Head[],
    params?: ParameterStore,
    seed = 1,
  ) {
    this.params = params ?? new ParameterStore(seed);
    this.heads = 'task' in head ? [head] : [...head];
    if (this.heads.length === 0) throw new ConfigError('a model needs at least one head');
    for (const { task } of this.heads) if (!spec.tasks.some((t) => t.name === task)) throw new ConfigError(`head task '${task}' is not among the feature spec's tasks`);
  }

  /** The main head (the only one of a single-task model). */
  get head(): Head {
    return this.heads[0]!;
  }

  get multiTask(): boolean {
    return modelDefinition(this.model.type).multiTask === true;
  }

  /** Validate a user's model section and fill its defaults; errors name `file` and the `model.` field path. */
  static parseModelSpec(type: string, config: unknown, file?: string): ModelSpec {
    let definition;
    try {
      definition = modelDefinition(type);
    } catch (error) {
      if (error instanceof ConfigError && file) throw new ConfigError(error.message, { ...error.location, file });
      throw error;
    }
    const { model } = parseWithSchema(z.object({ model: definition.schema }), { model: config ?? {} }, file);
    return { type, config: model as Record<string, unknown> };
  }

  /**
   * With `listwise`, the train graph's loss is that ranking loss over lists of consecutive rows;
   * `taskWeights` weighs the task losses of a multi-task model.
   */
  build(mode: BuildMode, floatType: FloatType = 'float32', listwise?: ListwiseConfig, taskWeights?: TaskWeights, contextFeatures?: ReadonlySet<string>): BuiltGraph {
    const graph = new Graph(floatType);
    const ctx = new BuildContext(graph, this.params, mode, contextFeatures);
    const definition = modelDefinition(this.model.type);
    const inputs = new FeatureInputs(ctx, this.spec);
    const built = definition.build(inputs, this.model.config);
    const { logit: raw, logits, outputs = {}, columns = {}, auxiliaryLoss } = built instanceof Sym ? { logit: built, logits: undefined } : built;
    if (definition.trainingLoss) {
      const loss = mode === 'train' ? { loss: definition.trainingLoss(inputs, this.model.config, outputs) } : {};
      return { graph, ctx, logit: raw, prediction: raw, predictions: {}, outputs, columns, ...loss };
    }
    if (logits) {
      const heads = this.buildHeads(graph, ctx, mode, logits, outputs, columns, listwise, taskWeights);
      return auxiliaryLoss && heads.loss ? { ...heads, loss: add(heads.loss, auxiliaryLoss) } : heads;
    }
    if (this.heads.length > 1) throw new ConfigError(`model '${this.model.type}' has one logit, not one per task (${this.heads.map((h) => h.task).join(', ')}); use a multi-task model`);
    const { logit, prediction } = headPrediction(this.head, raw);
    if (mode !== 'train') return { graph, ctx, logit, prediction, predictions: {}, outputs, columns };
    const label = graph.input('label', [BATCH, 1]);
    const loss = listwise
      ? listwiseLoss(logit, label, listwise)
      : reduceMean(headLoss(this.head.kind, logit, label), [0, 1]);
    return { graph, ctx, logit, prediction, predictions: {}, outputs, columns, loss: auxiliaryLoss ? add(loss, auxiliaryLoss) : loss };
  }

  /** A head per task: inputs `label/<task>` and `label_mask/<task>` (1 = present) in training. */
  private buildHeads(
    graph: Graph,
    ctx: BuildContext,
    mode: BuildMode,
    logits: Record<string, Sym>,
    outputs: Record<string, Sym>,
    columns: Record<string, string[]>,
    listwise: ListwiseConfig | undefined,
    taskWeights: TaskWeights | undefined,
  ): BuiltGraph {
    const heads = this.heads.map((head) => {
      const raw = logits[head.task];
      if (!raw) throw new ConfigError(`model '${this.model.type}' has no logit for task '${head.task}' (it has: ${Object.keys(logits).join(', ')})`);
      return { head, ...headPrediction(head, raw) };
    });
    const predictions = Object.fromEntries(heads.map(({ head, prediction }) => [predictionOutput(head.task), prediction]));
    const main = { graph, ctx, logit: heads[0]!.logit, prediction: heads[0]!.prediction, predictions, outputs, columns };
    if (mode !== 'train') return main;
    if (listwise) throw new ConfigError('listwise training takes one task; a multi-task model trains per row', { field: 'train.listwise' });
    const losses = heads.map(({ head, logit }) => {
      const label = graph.input(`label/${head.task}`, [BATCH, 1]);
      const mask = graph.input(`label_mask/${head.task}`, [BATCH, 1]);
      return { task: head.task, kind: head.kind, loss: maskedMean(headLoss(head.kind, logit, label), mask) };
    });
    return { ...main, loss: multiTaskLoss(ctx, losses, taskWeights) };
  }

  /** Let the model derive its non-trainable state from the training rows (a no-op for most models). */
  fitState(train: { source: BatchSource; rows: Int32Array }): void {
    modelDefinition(this.model.type).fitState?.(this.params, this.spec, this.model.config, train);
  }

  /**
   * Training graph bytes: loss, prediction, gradients of every weight and gathered row block,
   * state updates. With `products: 'bf16'` its matrix products are GemmBf16, and with `fused`
   * its elementwise steps may be deeprank's fused operators: only NativeSession runs those.
   */
  trainingGraph(listwise?: ListwiseConfig, taskWeights?: TaskWeights, { products = 'float32', fused = false }: Pick<ExportOptions, 'products' | 'fused'> = {}): { bytes: Uint8Array; built: BuiltGraph } {
    const built = this.build('train', 'float32', listwise, taskWeights);
    const { graph, ctx, loss, prediction } = built;
    const params = graph.inputs.filter((i) => i.kind === 'param' && this.params.dense.has(i.name));
    // Lookups of one block share its input.
    const rows = [...new Set(ctx.lookups.map((l) => l.input))].map((name) => graph.findInput(name)!);
    const grads = gradients(loss!, [...params, ...rows].map((i) => i.sym));
    const outputs: Record<string, Sym> = { loss: loss!, prediction };
    params.forEach((input, i) => (outputs[`grad/${input.name}`] = grads[i]!));
    // A block's gradient is cut into its lookups' columns: the row sums read each lookup's rows packed.
    for (const lookup of ctx.lookups) {
      const grad = grads[params.length + rows.findIndex((r) => r.name === lookup.input)]!;
      const { block } = lookup;
      outputs[gradientOf(lookup)] = block ? slice(grad, 1, block.offset, block.offset + this.params.tables.get(lookup.table)!.dim) : grad;
    }
    for (const update of ctx.stateUpdates) outputs[update.output] = update.value;
    return { bytes: exportOnnx(graph, { outputs, graphName: `${this.model.type}-train`, products, fused }), built };
  }

  /** Deterministic forward graph with weights and gathered rows as inputs (validation during training), plus the model's further outputs. */
  evalGraph(): { bytes: Uint8Array; built: BuiltGraph } {
    const built = this.build('eval');
    return { bytes: exportOnnx(built.graph, { outputs: { prediction: built.prediction, ...built.predictions, ...built.outputs }, graphName: `${this.model.type}-eval` }), built };
  }

  /**
   * The serving model: int64 ids per categorical feature, ids + `<name>_mask` per multi-value
   * feature, `dense` for numeric columns; output `prediction` (and `prediction/<task>` per task
   * of a multi-task model). Weights are initializers. `contextFeatures` are fed once per request
   * ([1] / [1, maxLength]) and broadcast to the candidates' rows, so what depends on them alone
   * (their lookups, a user tower) is computed once per request. `quantize: 'int8'` writes the
   * weight products as integer GEMMs (engine/int8-quantization.ts); `products: 'bf16'` as
   * ai.deeprank.GemmBf16, which only deeprank's own sessions run (NativeScoringSession).
   */
  exportOnnx(metadata: Record<string, string> = {}, contextFeatures?: ReadonlySet<string>, { quantize, products }: { quantize?: Quantization; products?: ProductPrecision } = {}): Uint8Array {
    const built = this.build('export', 'float32', undefined, undefined, contextFeatures);
    const initializers = new Map<string, Float32Array>();
    for (const [name, t] of this.params.allTensors()) initializers.set(name, t.data);
    return exportOnnx(built.graph, {
      outputs: { prediction: built.prediction, ...built.predictions },
      initializers,
      graphName: this.model.type,
      ...(products ? { products } : {}),
      ...(quantize ? { quantize, metadata: { ...metadata, deeprank_quantization: quantize } } : { metadata }),
    });
  }
}
