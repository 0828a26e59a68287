/**
 * Generalized Matrix Factorization (He et al. 2017): ŷ = σ(h·(p_u ⊙ q_i) + b). With h = 1 and
 * b = 0 it is matrix factorization's dot product; a learned h weighs the latent dimensions.
 */
import { z } from 'zod';
import { defineModel, logit } from './model-definition.js';
import { GMF_LOGIT, gmfPath, userItemOptions } from './ncf.js';

export const gmf = defineModel({
  type: 'gmf',
  description: 'Generalized matrix factorization: the element-wise product of user and item embeddings, projected',
  schema: z.object({ ...userItemOptions, embeddingDim: z.number().int().positive().default(8) }).strict(),
  build: (inputs, config) => logit(inputs.ctx, gmfPath(inputs, config, config.embeddingDim), GMF_LOGIT),
});
