/** Factorization machine (Rendle 2010): ŷ = b + Σ w_i x_i + Σ_{i<j} <v_i, v_j> x_i x_j. */
import { z } from 'zod';
import { add } from '../engine/ops.js';
import { FactorizationMachine } from '../layers/factorization-machine.js';
import { defineModel, embeddingOptions } from './model-definition.js';

export const fm = defineModel({
  type: 'fm',
  description: 'Factorization machine: first-order terms plus all pairwise factorized interactions',
  schema: z.object({ ...embeddingOptions }).strict(),
  build: (inputs, { embeddingDim }) => {
    const fields = inputs.stacked(inputs.fields(embeddingDim, { numericAsFields: true }));
    return add(inputs.linear(), new FactorizationMachine({ name: 'fm' }).apply(inputs.ctx, fields));
  },
});
