/**
 * DLRM (Naumov et al. 2019): dense features through a bottom MLP to the embedding width, pairwise
 * dot products of all field vectors (DotInteraction), and a top MLP over
 * [bottom output; interactions]: ŷ = w·MLP_top([z; dots(e_1..e_F, z)]) + b.
 */
import { z } from 'zod';
import { concat } from '../engine/ops.js';
import { DotInteraction } from '../layers/dot-interaction.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const dlrm = defineModel({
  type: 'dlrm',
  description: 'DLRM: bottom MLP for dense features, dot interaction of all fields, top MLP',
  schema: z
    .object({
      ...embeddingOptions,
      ...mlpOptions,
      bottomUnits: z.array(z.number().int().positive()).default([64]),
      selfInteraction: z.boolean().default(false),
    })
    .strict(),
  build: (inputs, config) => {
    const ctx = inputs.ctx;
    const fields = inputs.fields(config.embeddingDim);
    const dense = inputs.dense();
    const parts = [];
    if (dense) {
      const bottom = mlp({ ...config, hiddenUnits: [...config.bottomUnits, config.embeddingDim] }, 'bottom_mlp').apply(ctx, dense);
      fields.push(bottom);
      parts.push(bottom);
    }
    parts.push(new DotInteraction({ name: 'interaction', selfInteraction: config.selfInteraction }).apply(ctx, inputs.stacked(fields)));
    return logit(ctx, mlp(config, 'top_mlp').apply(ctx, concat(parts, 1)));
  },
});
