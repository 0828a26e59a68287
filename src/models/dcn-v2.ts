/**
 * DCN-v2 (Wang et al. 2020): x0 = [e; x_dense]; cross layers x_{l+1} = x0 ⊙ (W_l x_l + b_l) + x_l
 * (W full-rank or low-rank U V). Stacked: ŷ = w·MLP(x_L) + b; parallel: ŷ = w·[x_L; MLP(x0)] + b.
 */
import { z } from 'zod';
import { concat } from '../engine/ops.js';
import { FeatureCross } from '../layers/feature-cross.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const dcnV2 = defineModel({
  type: 'dcn-v2',
  description: 'Deep & Cross Network v2: full- or low-rank cross layers, stacked on or parallel to an MLP',
  schema: z
    .object({
      ...embeddingOptions,
      ...mlpOptions,
      crossLayers: z.number().int().positive().default(2),
      projectionDim: z.number().int().positive().nullable().default(null),
      diagScale: z.number().min(0).default(0),
      structure: z.enum(['stacked', 'parallel']).default('stacked'),
    })
    .strict(),
  build: (inputs, config) => {
    const ctx = inputs.ctx;
    const x0 = inputs.flat(config.embeddingDim);
    let x = x0;
    for (let l = 0; l < config.crossLayers; l++) {
      x = new FeatureCross({ name: `cross_${l}`, projectionDim: config.projectionDim, diagScale: config.diagScale }).apply(ctx, x0, x);
    }
    const deep = mlp(config);
    return config.structure === 'stacked' ? logit(ctx, deep.apply(ctx, x)) : logit(ctx, concat([x, deep.apply(ctx, x0)], 1));
  },
});
