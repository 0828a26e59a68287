/**
 * Neural Factorization Machine (He & Chua 2017): ŷ = w0 + Σ w_i x_i + f(BI(V)), where the
 * Bi-Interaction pooling BI(V) = Σ_{i<j} v_i ⊙ v_j = ½[(Σ v_i)² − Σ v_i²] (O(F k)) feeds an MLP f
 * ending in a one-unit projection. With no hidden layer f(z) = h·z, and h = 1 gives back FM.
 * As in the paper, `batchNorm` and `dropout` also apply to BI(V) itself, before f.
 */
import { z } from 'zod';
import { add } from '../engine/ops.js';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Dropout } from '../layers/dropout.js';
import { FactorizationMachine } from '../layers/factorization-machine.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const nfm = defineModel({
  type: 'nfm',
  description: 'Bi-Interaction pooling of the embeddings through an MLP, plus first-order terms',
  schema: z
    .object({
      ...embeddingOptions,
      ...mlpOptions,
      // Empty: the FM-like NFM-0 of the paper.
      hiddenUnits: z.array(z.number().int().positive()).default([64]),
    })
    .strict(),
  build: (inputs, config) => {
    const fields = inputs.stacked(inputs.fields(config.embeddingDim, { numericAsFields: true }));
    let pooled = new FactorizationMachine({ name: 'bi_interaction', output: 'vector' }).apply(inputs.ctx, fields);
    if (config.batchNorm) pooled = new BatchNormalization({ name: 'bi_interaction_norm' }).apply(inputs.ctx, pooled);
    if (config.dropout > 0) pooled = new Dropout({ name: 'bi_interaction_dropout', rate: config.dropout }).apply(inputs.ctx, pooled);
    const deep = config.hiddenUnits.length > 0 ? mlp(config).apply(inputs.ctx, pooled) : pooled;
    return add(inputs.linear(), logit(inputs.ctx, deep));
  },
});
