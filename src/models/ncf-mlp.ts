/**
 * The MLP of Neural Collaborative Filtering (He et al. 2017): ŷ = σ(h·MLP([p_u; q_i]) + b), user
 * and item embeddings of their own (not shared with GMF) concatenated through a ReLU tower.
 */
import { z } from 'zod';
import { defineModel, logit, mlpOptions } from './model-definition.js';
import { MLP_LOGIT, mlpPath, userItemOptions } from './ncf.js';

export const ncfMlp = defineModel({
  type: 'ncf-mlp',
  description: 'NCF MLP: concatenated user and item embeddings through a tower',
  schema: z
    .object({
      ...userItemOptions,
      ...mlpOptions,
      // The paper's tower for 8 predictive factors: 64-wide input halving down to 8.
      embeddingDim: z.number().int().positive().default(32),
      hiddenUnits: z.array(z.number().int().positive()).min(1).default([32, 16, 8]),
    })
    .strict(),
  build: (inputs, config) => logit(inputs.ctx, mlpPath(inputs, config, config.embeddingDim, config), MLP_LOGIT),
});
