/**
 * Attentional Factorization Machine (Xiao et al. 2017):
 *   ŷ = w0 + Σ w_i x_i + pᵀ Σ_{i<j} a_ij (v_i ⊙ v_j) x_i x_j,
 * with a_ij a softmax over pairs of an attention network's score of v_i ⊙ v_j. The weights a_ij are
 * exposed as output 'attention', one column per field pair ('user×item'), for Predictor.explain.
 * With `pretrain: { type: fm }` the v_i and w_i start from a trained FM of the same dimension
 * (src/train/pretrain.ts) and the attention starts uniform, so training starts at the FM's optimum:
 * on Frappe AFM then beats FM by 0.003–0.007 test AUC at each of seven seeds (README).
 */
import { z } from 'zod';
import type { ParameterStore } from '../engine/parameter-store.js';
import { add } from '../engine/ops.js';
import { AttentionalFactorizationMachine, fieldPairs } from '../layers/attentional-factorization-machine.js';
import { Dropout } from '../layers/dropout.js';
import { defineModel, embeddingOptions, logit, pretrainPlan, pretrainTrainingOptions } from './model-definition.js';

export const afm = defineModel({
  type: 'afm',
  description: 'Attentional factorization machine: attention-weighted pairwise interactions plus first-order terms',
  schema: z
    .object({
      ...embeddingOptions,
      attentionUnits: z.number().int().positive().default(16),
      /** Dropout on the pooled interaction vector (the paper's regulariser). */
      dropout: z.number().min(0).lt(1).default(0),
      pretrain: z
        .object({ type: z.literal('fm'), ...pretrainTrainingOptions })
        .strict()
        .optional(),
    })
    .strict(),
  build: (inputs, config) => {
    const ctx = inputs.ctx;
    const names = inputs.fieldNames(true);
    const fields = inputs.stacked(inputs.fields(config.embeddingDim, { numericAsFields: true }));
    const { output, attention } = new AttentionalFactorizationMachine({ name: 'afm', attentionUnits: config.attentionUnits }).apply(ctx, fields);
    const pooled = config.dropout > 0 ? new Dropout({ name: 'afm_dropout', rate: config.dropout }).apply(ctx, output) : output;
    return {
      logit: add(inputs.linear(), logit(ctx, pooled, 'afm_projection')),
      outputs: { attention },
      columns: { attention: fieldPairs(names.length).map(([i, j]) => `${names[i]}×${names[j]}`) },
    };
  },
  pretraining: ({ pretrain, embeddingDim }) => (pretrain ? pretrainPlan([{ type: 'fm', config: { embeddingDim } }], pretrain, startAsFm) : undefined),
});

/**
 * Make the warm-started AFM compute the FM it copied: h = 0 gives every pair a_ij = 1/P, and
 * p = P·1 with a zero bias turns pᵀ Σ a_ij (v_i ⊙ v_j) into Σ <v_i, v_j>, FM's pairwise term.
 */
function startAsFm(params: ParameterStore, columns: Record<string, string[]>): void {
  const pairs = columns.attention?.length ?? 0;
  const values: [string, number][] = [['afm/projection', 0], ['afm_projection/kernel', pairs], ['afm_projection/bias', 0]];
  for (const [name, value] of values) {
    const param = params.dense.get(name);
    if (!param) throw new Error(`AFM has no parameter '${name}'`);
    param.data.fill(value);
  }
}
