/**
 * DeepFM (Guo et al. 2017): ŷ = y_FM + y_deep, where the FM part (first order + pairwise) and the
 * MLP share the same field embeddings.
 */
import { z } from 'zod';
import { add, concat } from '../engine/ops.js';
import { FactorizationMachine } from '../layers/factorization-machine.js';
import { defineModel, embeddingOptions, logit, mlp, mlpOptions } from './model-definition.js';

export const deepfm = defineModel({
  type: 'deepfm',
  description: 'Factorization machine and MLP in parallel over shared embeddings',
  schema: z.object({ ...embeddingOptions, ...mlpOptions }).strict(),
  build: (inputs, config) => {
    const fields = inputs.fields(config.embeddingDim, { numericAsFields: true });
    const yFm = add(inputs.linear(), new FactorizationMachine({ name: 'fm' }).apply(inputs.ctx, inputs.stacked(fields)));
    const yDeep = logit(inputs.ctx, mlp(config).apply(inputs.ctx, concat(fields, 1)));
    return add(yFm, yDeep);
  },
});
