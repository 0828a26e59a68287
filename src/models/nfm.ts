/**
 * Neural Factorization Machine (He & Chua 2017): ŷ = w0 + Σ w_i x_i + f(BI(V)), where the
 * Bi-Interaction pooling BI(V) = Σ_{i<j} v_i ⊙ v_j = ½[(Σ v_i)² − Σ v_i²] (O(F k)) feeds an MLP f
 * ending in a one-unit projection. With no hidden layer f(z) = h·z, and h = 1 gives back FM.
 */
import { z } from 'zod';
import { add } from '../engine/ops.js';
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
    const pooled = new FactorizationMachine({ name: 'bi_interaction', output: 'vector' }).apply(inputs.ctx, fields);
    const deep = config.hiddenUnits.length > 0 ? mlp(config).apply(inputs.ctx, pooled) : pooled;
    return add(inputs.linear(), logit(inputs.ctx, deep));
  },
});
