/**
 * Neural Matrix Factorization (He et al. 2017): ŷ = σ(h·[p_u^G ⊙ q_i^G ; MLP([p_u^M; q_i^M])] + b),
 * GMF and MLP paths with separate embeddings fused by one projection. The projection is held as
 * the two paths' own, h = [α h_G; (1−α) h_M] and b = α b_G + (1−α) b_M, so that with
 * `pretrain` (train GMF and the NCF MLP first, src/train/pretrain.ts) every weight of NeuMF,
 * the fusion included, is a trained GMF's or MLP's copied by name, as the paper initialises it.
 */
import { z } from 'zod';
import { add, mul } from '../engine/ops.js';
import { defineModel, logit, mlpOptions, pretrainPlan, pretrainTrainingOptions } from './model-definition.js';
import { GMF_LOGIT, gmfPath, MLP_LOGIT, mlpPath, userItemOptions } from './ncf.js';

export const neumf = defineModel({
  type: 'neumf',
  description: 'NeuMF: GMF and MLP paths over separate user/item embeddings, fused; optionally warm-started from trained GMF and MLP',
  schema: z
    .object({
      ...userItemOptions,
      ...mlpOptions,
      gmfEmbeddingDim: z.number().int().positive().default(8),
      mlpEmbeddingDim: z.number().int().positive().default(32),
      hiddenUnits: z.array(z.number().int().positive()).min(1).default([32, 16, 8]),
      /** Weight of the GMF path in the fused projection (the paper's α). */
      alpha: z.number().min(0).max(1).default(0.5),
      /** Train gmf and ncf-mlp first and start from their weights; an object overrides their epochs or learning rate. */
      pretrain: z.union([z.boolean(), z.object(pretrainTrainingOptions).strict()]).default(false),
    })
    .strict(),
  build: (inputs, config) => {
    const { ctx } = inputs;
    const gmf = logit(ctx, gmfPath(inputs, config, config.gmfEmbeddingDim), GMF_LOGIT);
    const mlp = logit(ctx, mlpPath(inputs, config, config.mlpEmbeddingDim, config), MLP_LOGIT);
    return add(mul(gmf, ctx.graph.scalar(config.alpha)), mul(mlp, ctx.graph.scalar(1 - config.alpha)));
  },
  pretraining: ({ pretrain, user, item, gmfEmbeddingDim, mlpEmbeddingDim, hiddenUnits, dropout, batchNorm, activation, l2Reg }) => {
    if (pretrain === false) return undefined;
    return pretrainPlan(
      [
        { type: 'gmf', config: { user, item, embeddingDim: gmfEmbeddingDim } },
        { type: 'ncf-mlp', config: { user, item, embeddingDim: mlpEmbeddingDim, hiddenUnits, dropout, batchNorm, activation, l2Reg } },
      ],
      pretrain === true ? {} : pretrain,
    );
  },
});
