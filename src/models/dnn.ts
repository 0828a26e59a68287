/** Embedding + MLP: ŷ = w·MLP([e_1; …; e_F; x_dense]) + b. */
import { z } from 'zod';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const dnn = defineModel({
  type: 'dnn',
  description: 'Concatenated embeddings and numeric features through an MLP',
  schema: z.object({ ...embeddingOptions, ...mlpOptions }).strict(),
  build: (inputs, config) => logit(inputs.ctx, mlp(config).apply(inputs.ctx, inputs.flat(config.embeddingDim))),
});
