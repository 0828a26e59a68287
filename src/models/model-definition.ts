/**
 * A model is a typed, validated config plus an equation from features to one logit per row.
 * Shared option groups live here so every model spells them the same way.
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { DeepFeatureTower } from '../layers/deep-feature-tower.js';
import { Dense } from '../layers/dense.js';
import { ACTIVATIONS } from '../layers/activation.js';
import type { BuildContext } from '../layers/build-context.js';
import type { FeatureInputs } from './feature-inputs.js';
import type { FeatureSpec } from '../data/batch.js';
import type { ParameterStore } from '../engine/parameter-store.js';
import type { BatchSource } from '../train/predict.js';

/** What a model computes besides its logit: named tensors the eval and export graphs also output. */
export interface ModelOutput {
  /** (batch, 1); for a multi-task model, the main (first) task's logit. */
  logit: Sym;
  /** Multi-task models: (batch, 1) logit per task of the feature spec. */
  logits?: Record<string, Sym>;
  outputs?: Record<string, Sym>;
  /** Train mode only: a scalar added to the head's loss (DIEN's auxiliary next-behaviour loss). */
  auxiliaryLoss?: Sym;
  /** For outputs that explain a prediction, (batch, n): a label per column (Predictor.explain). */
  columns?: Record<string, string[]>;
}

export interface ModelDefinition<C = unknown> {
  readonly type: string;
  readonly description: string;
  readonly schema: z.ZodType<C>;
  /** Returns a logit per task of the feature spec (ModelOutput.logits), each with its own head. */
  readonly multiTask?: boolean;
  /** The model's logit, (batch, 1), alone or with further outputs. */
  build(inputs: FeatureInputs, config: C): Sym | ModelOutput;
  /**
   * A loss over the whole batch (e.g. in-batch softmax) that replaces the head's per-row loss;
   * such a model's prediction is its logit as is. Gets the outputs `build` returned.
   */
  trainingLoss?(inputs: FeatureInputs, config: C, outputs: Record<string, Sym>): Sym;
  /** Non-trainable state derived from the training rows before training (e.g. item frequencies). */
  fitState?(params: ParameterStore, spec: FeatureSpec, config: C, train: { source: BatchSource; rows: Int32Array }): void;
  /** Models to train first whose parameters initialise this one by name (src/train/pretrain.ts). */
  pretraining?(config: C): PretrainPlan | undefined;
}

/** Source models of a warm start, and how long and how fast they train (default: the target's settings). */
export interface PretrainPlan {
  sources: { type: string; config: Record<string, unknown> }[];
  epochs?: number;
  learningRate?: number;
  /**
   * Runs after the copy, on the target's parameters: sets those no source has so that the target
   * starts computing exactly what its source computed (fine-tuning then starts at the source's optimum).
   */
  continueSource?(params: ParameterStore, columns: Record<string, string[]>): void;
}

/** Training overrides every model's `pretrain` option accepts. */
export const pretrainTrainingOptions = {
  epochs: z.number().int().positive().optional(),
  learningRate: z.number().positive().optional(),
};

/** The plan for `sources` with the overrides of a `pretrain` option. */
export function pretrainPlan(
  sources: PretrainPlan['sources'],
  { epochs, learningRate }: { epochs?: number; learningRate?: number },
  continueSource?: PretrainPlan['continueSource'],
): PretrainPlan {
  return { sources, epochs, learningRate, ...(continueSource ? { continueSource } : {}) };
}

export function defineModel<S extends z.ZodType>(definition: {
  type: string;
  description: string;
  schema: S;
  multiTask?: boolean;
  build(inputs: FeatureInputs, config: z.output<S>): Sym | ModelOutput;
  trainingLoss?(inputs: FeatureInputs, config: z.output<S>, outputs: Record<string, Sym>): Sym;
  fitState?(params: ParameterStore, spec: FeatureSpec, config: z.output<S>, train: { source: BatchSource; rows: Int32Array }): void;
  pretraining?(config: z.output<S>): PretrainPlan | undefined;
}): ModelDefinition<z.output<S>> {
  return definition as ModelDefinition<z.output<S>>;
}

export const embeddingOptions = {
  embeddingDim: z.number().int().positive().default(16),
};

/** Options of the MLP (DeepFeatureTower) most models carry. */
export const mlpOptions = {
  hiddenUnits: z.array(z.number().int().positive()).min(1).default([256, 128]),
  dropout: z.number().min(0).lt(1).default(0),
  batchNorm: z.boolean().default(false),
  activation: z.enum(ACTIVATIONS).default('relu'),
  /** L2 on the MLP's kernels, replacing the trainer's global l2 for them; default: the global l2. */
  l2Reg: z.number().min(0).nullable().default(null),
};

export interface MlpConfig {
  hiddenUnits: number[];
  dropout: number;
  batchNorm: boolean;
  activation: (typeof ACTIVATIONS)[number];
  l2Reg: number | null;
}

export function mlp(config: MlpConfig, name = 'mlp'): DeepFeatureTower {
  return new DeepFeatureTower({
    name,
    units: config.hiddenUnits.at(-1)!,
    hiddenUnits: config.hiddenUnits,
    dropoutRate: config.dropout,
    batchNorm: config.batchNorm,
    activation: config.activation,
    l2Reg: config.l2Reg,
  });
}

/** The final one-unit projection to a logit. */
export function logit(ctx: BuildContext, x: Sym, name = 'logit'): Sym {
  return new Dense({ name, units: 1 }).apply(ctx, x);
}
