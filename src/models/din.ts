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

/**
 * DIN's scoring of behaviours (batch, n, d) with mask (batch, n) against the candidate (batch, d):
 * the local activation unit's interest, with the candidate and every feature not in `used`,
 * through the PReLU/Dice MLP to a logit; 'attention' is exposed with one column per behaviour.
 */
export function attendAndScore(
  inputs: FeatureInputs,
  config: DinOptions,
  behaviours: { rows: Sym; mask: Sym; candidate: Sym; columns: string[] },
  used: readonly string[],
): { logit: Sym; outputs: Record<string, Sym>; columns: Record<string, string[]> } {
  const ctx = inputs.ctx;
  const { output: interest, weights } = new LocalActivationUnit({
    name: 'attention',
    hiddenUnits: config.attentionUnits,
    activation: config.attentionActivation,
  }).apply(ctx, behaviours.rows, behaviours.candidate, behaviours.mask);
  const others = inputs.select(featureNames(inputs.spec).filter((name) => !used.includes(name)));
  const parts = [behaviours.candidate, interest];
  if (others.fieldCount(false) > 0 || others.numericCount > 0) parts.unshift(others.flat(config.embeddingDim));
  const tower = new ParametricActivationTower({ name: 'mlp', hiddenUnits: config.hiddenUnits, activation: config.activation, dropoutRate: config.dropout });
  return {
    logit: logit(ctx, tower.apply(ctx, concat(parts, 1))),
    outputs: { attention: weights },
    columns: { attention: behaviours.columns },
  };
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
    return attendAndScore(inputs, config, { rows: sequence.rows, mask: sequence.mask, candidate, columns }, [history, sequence.vocabularyOf]);
  },
});
