/**
 * Deep Crossing (Shan et al. 2016): the stacked features x0 = [e_1; …; e_F; x_dense] pass through
 * residual units x_{l+1} = ReLU(W2 ReLU(W1 x_l + b1) + b2) + x_l, then ŷ = w·x_L + b. Optional
 * batch normalization of x0 and dropout after each unit (not in the paper; on Frappe they delay
 * overfitting).
 */
import { z } from 'zod';
import { BatchNormalization } from '../layers/batch-normalization.js';
import { Dropout } from '../layers/dropout.js';
import { ResidualUnit } from '../layers/residual-unit.js';
import { defineModel, embeddingOptions, logit } from './model-definition.js';

export const deepCrossing = defineModel({
  type: 'deep-crossing',
  description: 'Stacked embeddings through residual units',
  schema: z
    .object({
      ...embeddingOptions,
      /** Inner width of each residual unit, one entry per unit. */
      residualUnits: z.array(z.number().int().positive()).min(1).default([256, 256]),
      dropout: z.number().min(0).lt(1).default(0),
      /** Batch normalization of the stacked input (not in the paper; with dropout it regularises like a DNN's). */
      batchNorm: z.boolean().default(false),
    })
    .strict(),
  build: (inputs, config) => {
    let x = inputs.flat(config.embeddingDim);
    if (config.batchNorm) x = new BatchNormalization({ name: 'input_norm' }).apply(inputs.ctx, x);
    config.residualUnits.forEach((hiddenUnits, i) => {
      x = new ResidualUnit({ name: `residual_${i}`, hiddenUnits }).apply(inputs.ctx, x);
      if (config.dropout > 0) x = new Dropout({ name: `residual_${i}_dropout`, rate: config.dropout }).apply(inputs.ctx, x);
    });
    return logit(inputs.ctx, x);
  },
});
