/**
 * Factorization-machine supported neural network (Zhang et al. 2016): ŷ = σ(w·MLP([z_1; …; z_F]) + b),
 * each field's input z_i = [w_i; v_i], its FM first-order weight and factor vector (tables
 * `linear/<feature>` and `emb/<feature>`, numeric fields scaled by their value). With
 * `pretrain: { type: fm }` an FM of the same embedding dimension is trained on the same split
 * first and its w_i and v_i initialise z_i (src/train/pretrain.ts). The paper's global bias w0
 * is left out of z: a constant input adds nothing the first layer's bias cannot.
 */
import { z } from 'zod';
import { concat } from '../engine/ops.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions, pretrainPlan, pretrainTrainingOptions } from './model-definition.js';

export const fnn = defineModel({
  type: 'fnn',
  description: 'FNN: an MLP over per-field [first-order weight; factor vector], optionally initialised from a trained FM',
  schema: z
    .object({
      ...embeddingOptions,
      ...mlpOptions,
      pretrain: z
        .object({ type: z.literal('fm'), ...pretrainTrainingOptions })
        .strict()
        .optional(),
    })
    .strict(),
  build: (inputs, config) => {
    const weights = inputs.fields(1, { prefix: 'linear', numericAsFields: true });
    const vectors = inputs.fields(config.embeddingDim, { numericAsFields: true });
    const z = concat(weights.flatMap((w, i) => [w, vectors[i]!]), 1);
    return logit(inputs.ctx, mlp(config).apply(inputs.ctx, z));
  },
  pretraining: ({ pretrain, embeddingDim }) => (pretrain ? pretrainPlan([{ type: 'fm', config: { embeddingDim } }], pretrain) : undefined),
});
