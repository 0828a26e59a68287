/** Logistic / linear regression: ŷ = b + Σ_i w_i x_i. */
import { z } from 'zod';
import { defineModel } from './model-definition.js';

export const lr = defineModel({
  type: 'lr',
  description: 'Logistic (or linear) regression over one-hot and numeric features',
  schema: z.object({}).strict(),
  build: (inputs) => inputs.linear(),
});
