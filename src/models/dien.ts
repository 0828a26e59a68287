/**
 * Deep Interest Evolution Network (Zhou et al. 2019):
 *   h_1..h_L = GRU(e_1..e_L)                                   (interest extractor),
 *   a_t = softmax_t(h_t W e_c) over the real steps,             (attention to the candidate)
 *   h'_1..h'_L = AUGRU(h_1..h_L; a)                             (interest evolution),
 *   ŷ = w·MLP([e_other…; e_c; h'_L]) + b,
 *   L = L_head + α L_aux,   L_aux = −mean_t [log σ(h_t·e_{t+1}) + log(1 − σ(h_t·ê_{t+1}))]  (next-behaviour-loss.ts),
 * where e_1..e_L embed the behaviour sequence (oldest first) and e_c the candidate from the same
 * table, ê_{t+1} is the embedding of a random item sampled for position t+1, and the mean runs
 * over the steps where both t and t+1 are real behaviours. The auxiliary loss makes each h_t an
 * interest that predicts the next behaviour rather than a summary of the items seen; it exists
 * only in training. `evolution` picks AUGRU (attention scales the update gate), AIGRU (scales the
 * input) or AGRU (replaces the update gate). Unlike DIN's, the weights a_t are a softmax; they are
 * output 'attention', one column per position ('history[0]' is the oldest kept).
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { concat, greater, mul, reduceSum, slice, softmax, squeeze, unsqueeze, where } from '../engine/ops.js';
import { ConfigError } from '../errors.js';
import { Dense } from '../layers/dense.js';
import { GRU, GRU_VARIANTS } from '../layers/gru.js';
import { PARAMETRIC_ACTIVATIONS, ParametricActivationTower } from '../layers/parametric-activation-tower.js';
import { nextBehaviourLoss } from '../losses/next-behaviour-loss.js';
import { historyFeature } from './din.js';
import { featureNames } from './feature-inputs.js';
import { defineModel, embeddingOptions, logit } from './model-definition.js';

export const dien = defineModel({
  type: 'dien',
  description: 'Deep Interest Evolution Network: GRU interest extractor with an auxiliary next-behaviour loss, attention-gated GRU interest evolution toward the candidate',
  schema: z
    .object({
      ...embeddingOptions,
      /** The sequence feature; default: the only one. Its `vocabularyOf` feature is the candidate. */
      history: z.string().min(1).optional(),
      evolution: z.enum(GRU_VARIANTS.filter((v) => v !== 'gru') as ['augru', 'aigru', 'agru']).default('augru'),
      /** α, the weight of the auxiliary next-behaviour loss; 0 trains without it. */
      auxiliaryWeight: z.number().min(0).default(1),
      hiddenUnits: z.array(z.number().int().positive()).min(1).default([200, 80]),
      activation: z.enum(PARAMETRIC_ACTIVATIONS).default('dice'),
      dropout: z.number().min(0).lt(1).default(0),
    })
    .strict(),
  build: (inputs, config) => {
    const ctx = inputs.ctx;
    const dim = config.embeddingDim;
    const history = historyFeature(inputs, config.history);
    const sequence = inputs.sequence(history, dim, 'emb', 'history');
    if (sequence.maxLength < 2) throw new ConfigError(`model.history: '${history}' keeps ${sequence.maxLength} behaviour; DIEN needs a maxLength of at least 2 for the next-behaviour loss`, { field: 'model.history' });
    const candidate = inputs.field(sequence.vocabularyOf, dim, 'emb', 'history');
    // Hidden size = embedding size: the auxiliary loss scores h_t against item embeddings by inner product.
    const interests = new GRU({ name: 'interest_extractor', units: dim }).apply(ctx, sequence.rows, sequence.mask);
    const attention = maskedSoftmax(reduceSum(mul(interests, unsqueeze(new Dense({ name: 'attention', units: dim, useBias: false }).apply(ctx, candidate), [1])), [2]), sequence.mask);
    const evolved = new GRU({ name: 'interest_evolution', units: dim, variant: config.evolution }).apply(ctx, interests, sequence.mask, attention);
    const interest = squeeze(slice(evolved, 1, sequence.maxLength - 1, sequence.maxLength), [1]);

    const others = inputs.select(featureNames(inputs.spec).filter((name) => name !== history && name !== sequence.vocabularyOf));
    const parts = [candidate, interest];
    if (others.fieldCount(false) > 0 || others.numericCount > 0) parts.unshift(others.flat(dim));
    const tower = new ParametricActivationTower({ name: 'mlp', hiddenUnits: config.hiddenUnits, activation: config.activation, dropoutRate: config.dropout });
    const auxiliary =
      ctx.training && config.auxiliaryWeight > 0
        ? { auxiliaryLoss: mul(nextBehaviourLoss(interests, sequence.rows, inputs.sequenceNegatives(history, dim, 'emb', 'history'), sequence.mask), ctx.graph.scalar(config.auxiliaryWeight)) }
        : {};
    return {
      logit: logit(ctx, tower.apply(ctx, concat(parts, 1))),
      outputs: { attention },
      columns: { attention: Array.from({ length: sequence.maxLength }, (_, i) => `${history}[${i}]`) },
      ...auxiliary,
    };
  },
});

/** Softmax of (batch, L) scores over the real positions of `mask`; exactly 0 on padding (an empty history gets all zeros). */
function maskedSoftmax(scores: Sym, mask: Sym): Sym {
  const g = scores.graph;
  // exp(-1e9 - max) is exactly 0 in float32 and float64: padded positions drop out of the normaliser.
  return mul(softmax(where(greater(mask, g.scalar(0)), scores, g.scalar(-1e9)), -1), mask);
}
