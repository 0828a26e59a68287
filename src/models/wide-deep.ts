/** Wide & Deep (Cheng et al. 2016): ŷ = w_wide·x + w_deep·MLP([e; x_dense]) + b, trained jointly. */
import { z } from 'zod';
import { add } from '../engine/ops.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const wideDeep = defineModel({
  type: 'wide-deep',
  description: 'Wide linear part (memorization) plus deep MLP part (generalization), one joint logit',
  schema: z.object({ ...embeddingOptions, ...mlpOptions }).strict(),
  build: (inputs, config) => {
    const deep = logit(inputs.ctx, mlp(config).apply(inputs.ctx, inputs.flat(config.embeddingDim)));
    return add(inputs.linear('wide'), deep);
  },
});
