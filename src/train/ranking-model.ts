/**
 * A ranking model: feature spec + model definition + its parameters, and the three graphs built
 * from them (train, eval, export). The head turns the model's logit into a prediction and a loss:
 * binary -> sigmoid and sigmoid cross-entropy; regression -> logit + offset and squared error.
 * A model with its own loss over the whole batch (two-tower's in-batch softmax) skips the head.
 */
import type { FeatureSpec } from '../data/batch.js';
import { Graph, Sym, type FloatType } from '../engine/graph.js';
import { gradients } from '../engine/autodiff.js';
import { exportOnnx } from '../engine/onnx-export.js';
import { add, reduceMean, sigmoid, sigmoidCrossEntropy, square, sub } from '../engine/ops.js';
import { ParameterStore } from '../engine/parameter-store.js';
import { BATCH, BuildContext, type BuildMode } from '../layers/build-context.js';
import { FeatureInputs } from '../models/feature-inputs.js';
import { modelDefinition } from '../models/registry.js';
import { ConfigError } from '../errors.js';
import { z } from 'zod';
import { parseWithSchema } from '../data/data-config.js';
import { listwiseLoss } from './listwise.js';
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

export interface BuiltGraph {
  graph: Graph;
  ctx: BuildContext;
  logit: Sym;
  prediction: Sym;
  /** The model's further outputs (e.g. tower embeddings), also written to the eval graph. */
  outputs: Record<string, Sym>;
  /** Column labels of the outputs that explain a prediction (e.g. AFM's 'attention': one per field pair). */
  columns: Record<string, string[]>;
  /** Train mode only. */
  loss?: Sym;
}

export class RankingModel {
  readonly params: ParameterStore;

  constructor(
    readonly spec: FeatureSpec,
    readonly model: ModelSpec,
    readonly head: Head,
    params?: ParameterStore,
    seed = 1,
  ) {
    this.params = params ?? new ParameterStore(seed);
    if (!spec.tasks.some((t) => t.name === head.task)) throw new ConfigError(`head task '${head.task}' is not among the feature spec's tasks`);
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

  /** With `listwise`, the train graph's loss is that ranking loss over lists of consecutive rows. */
  build(mode: BuildMode, floatType: FloatType = 'float32', listwise?: ListwiseConfig): BuiltGraph {
    const graph = new Graph(floatType);
    const ctx = new BuildContext(graph, this.params, mode);
    const definition = modelDefinition(this.model.type);
    const inputs = new FeatureInputs(ctx, this.spec);
    const built = definition.build(inputs, this.model.config);
    const { logit: raw, outputs = {}, columns = {} } = built instanceof Sym ? { logit: built } : built;
    if (definition.trainingLoss) {
      const loss = mode === 'train' ? { loss: definition.trainingLoss(inputs, this.model.config, outputs) } : {};
      return { graph, ctx, logit: raw, prediction: raw, outputs, columns, ...loss };
    }
    const logit = this.head.kind === 'regression' && this.head.offset !== 0 ? add(raw, graph.scalar(this.head.offset)) : raw;
    const prediction = this.head.kind === 'binary' ? sigmoid(logit) : logit;
    if (mode !== 'train') return { graph, ctx, logit, prediction, outputs, columns };
    const label = graph.input('label', [BATCH, 1]);
    const loss = listwise
      ? listwiseLoss(logit, label, listwise)
      : reduceMean(this.head.kind === 'binary' ? sigmoidCrossEntropy(logit, label) : square(sub(logit, label)), [0, 1]);
    return { graph, ctx, logit, prediction, outputs, columns, loss };
  }

  /** Let the model derive its non-trainable state from the training rows (a no-op for most models). */
  fitState(train: { source: BatchSource; rows: Int32Array }): void {
    modelDefinition(this.model.type).fitState?.(this.params, this.spec, this.model.config, train);
  }

  /** Training graph bytes: loss, prediction, gradients of every weight and gathered row block, state updates. */
  trainingGraph(listwise?: ListwiseConfig): { bytes: Uint8Array; built: BuiltGraph } {
    const built = this.build('train', 'float32', listwise);
    const { graph, ctx, loss, prediction } = built;
    const params = graph.inputs.filter((i) => i.kind === 'param' && this.params.dense.has(i.name));
    const rows = ctx.lookups.map((l) => graph.findInput(l.input)!);
    const grads = gradients(loss!, [...params, ...rows].map((i) => i.sym));
    const outputs: Record<string, Sym> = { loss: loss!, prediction };
    [...params, ...rows].forEach((input, i) => (outputs[`grad/${input.name}`] = grads[i]!));
    for (const update of ctx.stateUpdates) outputs[update.output] = update.value;
    return { bytes: exportOnnx(graph, { outputs, graphName: `${this.model.type}-train` }), built };
  }

  /** Deterministic forward graph with weights and gathered rows as inputs (validation during training), plus the model's further outputs. */
  evalGraph(): { bytes: Uint8Array; built: BuiltGraph } {
    const built = this.build('eval');
    return { bytes: exportOnnx(built.graph, { outputs: { prediction: built.prediction, ...built.outputs }, graphName: `${this.model.type}-eval` }), built };
  }

  /**
   * The serving model: int64 ids per categorical feature, ids + `<name>_mask` per multi-value
   * feature, `dense` for numeric columns; output `prediction`. Weights are initializers.
   */
  exportOnnx(metadata: Record<string, string> = {}): Uint8Array {
    const built = this.build('export');
    const initializers = new Map<string, Float32Array>();
    for (const [name, t] of this.params.allTensors()) initializers.set(name, t.data);
    return exportOnnx(built.graph, { outputs: { prediction: built.prediction }, initializers, graphName: this.model.type, metadata });
  }
}
