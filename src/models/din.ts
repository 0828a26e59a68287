/**
 * Deep Interest Network (Zhou et al. 2018):
 *   v_U(c) = Σ_i a(e_i, e_c) e_i,   a(e_i, e_c) = MLP([e_i; e_c; e_i ⊙ e_c; e_i − e_c])  (no softmax),
 *   ŷ = w·MLP([e_other…; e_c; v_U(c)]) + b,
 * where e_1..e_L embed the user's behaviour sequence and e_c the candidate from the same table
 * (the sequence's `vocabularyOf` feature), and both MLPs use PReLU or Dice. The user's interest
 * v_U is recomputed for every candidate. The weights a_i are exposed as output 'attention', one
 * column per sequence position ('history[0]' is the oldest kept), for Predictor.explain.
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { concat } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import { LocalActivationUnit } from '../layers/local-activation-unit.js';
import { PARAMETRIC_ACTIVATIONS, ParametricActivationTower } from '../layers/parametric-activation-tower.js';
import { featureNames, type FeatureInputs } from './feature-inputs.js';
import { defineModel, embeddingOptions, logit } from './model-definition.js';

/** The sequence a model attends over: the one named, else the spec's only one. */
export function historyFeature(inputs: FeatureInputs, named: string | undefined): string {
  if (named !== undefined) return named;
  const sequences = inputs.spec.sequence ?? [];
  if (sequences.length !== 1) {
    const found = sequences.length === 0 ? 'the features have none (add one with type: sequence)' : `the features have ${sequences.map((s) => s.name).join(', ')}`;
    throw new ConfigError(`model.history: name the behaviour sequence to attend over; ${found}`, { field: 'model.history' });
  }
  return sequences[0]!.name;
}

/** DIN's options, shared by the models that attend like it (SIM's exact search unit). */
export const dinOptions = {
  ...embeddingOptions,
  /** The sequence feature; default: the only one. Its `vocabularyOf` feature is the candidate. */
  history: z.string().min(1).optional(),
  attentionUnits: z.array(z.number().int().positive()).min(1).default([36]),
  attentionActivation: z.enum(PARAMETRIC_ACTIVATIONS).default('dice'),
  hiddenUnits: z.array(z.number().int().positive()).min(1).default([200, 80]),
  activation: z.enum(PARAMETRIC_ACTIVATIONS).default('dice'),
  dropout: z.number().min(0).lt(1).default(0),
};

type DinOptions = z.infer<z.ZodObject<typeof dinOptions>>;

/** Behaviours (batch, n, d) with their mask (batch, n), attended under `name`, one column per behaviour. */
export interface AttendedBehaviours {
  name: string;
  rows: Sym;
  mask: Sym;
  columns: string[];
}

/**
 * DIN's scoring: each set of behaviours pooled by its own local activation unit against the
 * candidate (batch, d); the interests, the candidate and every feature not in `used` go through
 * the PReLU/Dice MLP to a logit. Each set's weights are exposed as the output of its name.
 */
export function attendAndScore(
  inputs: FeatureInputs,
  config: DinOptions,
  candidate: Sym,
  behaviours: readonly AttendedBehaviours[],
  used: readonly string[],
): { logit: Sym; outputs: Record<string, Sym>; columns: Record<string, string[]> } {
  const ctx = inputs.ctx;
  const outputs: Record<string, Sym> = {};
  const columns: Record<string, string[]> = {};
  const interests = behaviours.map((b) => {
    const unit = new LocalActivationUnit({ name: b.name, hiddenUnits: config.attentionUnits, activation: config.attentionActivation });
    const { output, weights } = unit.apply(ctx, b.rows, candidate, b.mask);
    outputs[b.name] = weights;
    columns[b.name] = b.columns;
    return output;
  });
  const others = inputs.select(featureNames(inputs.spec).filter((name) => !used.includes(name)));
  const parts = [candidate, ...interests];
  if (others.fieldCount(false) > 0 || others.numericCount > 0) parts.unshift(others.flat(config.embeddingDim));
  const tower = new ParametricActivationTower({ name: 'mlp', hiddenUnits: config.hiddenUnits, activation: config.activation, dropoutRate: config.dropout });
  return { logit: logit(ctx, tower.apply(ctx, concat(parts, 1))), outputs, columns };
}

export const din = defineModel({
  type: 'din',
  description: 'Deep Interest Network: candidate-dependent attention pooling (no softmax) of a behaviour sequence, PReLU/Dice MLP',
  schema: z.object(dinOptions).strict(),
  build: (inputs, config) => {
    const dim = config.embeddingDim;
    const history = historyFeature(inputs, config.history);
    const sequence = inputs.sequence(history, dim, 'emb', 'history');
    const candidate = inputs.field(sequence.vocabularyOf, dim, 'emb', 'history');
    const columns = Array.from({ length: sequence.maxLength }, (_, i) => `${history}[${i}]`);
    return attendAndScore(inputs, config, candidate, [{ name: 'attention', rows: sequence.rows, mask: sequence.mask, columns }], [history, sequence.vocabularyOf]);
  },
});
