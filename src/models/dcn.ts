/**
 * DCN (Wang et al. 2017): x0 = [e; x_dense]; cross network x_{l+1} = x0 (x_lᵀ w_l) + b_l + x_l in
 * parallel with an MLP; ŷ = w·[x_L; MLP(x0)] + b.
 */
import { z } from 'zod';
import { concat } from '../engine/ops.js';
import { CrossNet } from '../layers/cross-net.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const dcn = defineModel({
  type: 'dcn',
  description: 'Deep & Cross Network (v1): rank-1 cross layers beside an MLP',
  schema: z.object({ ...embeddingOptions, ...mlpOptions, crossLayers: z.number().int().positive().default(3) }).strict(),
  build: (inputs, config) => {
    const x0 = inputs.flat(config.embeddingDim);
    const cross = new CrossNet({ name: 'cross', numLayers: config.crossLayers }).apply(inputs.ctx, x0);
    return logit(inputs.ctx, concat([cross, mlp(config).apply(inputs.ctx, x0)], 1));
  },
});
