/**
 * MMoE (Ma et al. 2018): x = [e; x_dense]; experts E_i shared by all tasks, a softmax gate per
 * task, f_t(x) = Σ_i softmax(x W_t)_i E_i(x); ŷ_t = tower_t(f_t(x)).
 */
import { z } from 'zod';
import { MultiGateMixtureOfExperts } from '../layers/multi-gate-mixture-of-experts.js';
import { defineModel } from './model-definition.js';
import { multiTaskOptions, taskNames, taskTowers } from './task-towers.js';

export const mmoe = defineModel({
  type: 'mmoe',
  description: 'Multi-gate Mixture-of-Experts: shared experts, a softmax gate, tower and head per task',
  multiTask: true,
  schema: z
    .object({
      ...multiTaskOptions,
      numExperts: z.number().int().positive().default(4),
      expertUnits: z.array(z.number().int().positive()).min(1).default([64]),
    })
    .strict(),
  build: (inputs, config) => {
    const x = inputs.flat(config.embeddingDim);
    const { numExperts, expertUnits, activation } = config;
    const perTask = new MultiGateMixtureOfExperts({ name: 'mmoe', numExperts, expertUnits, numTasks: taskNames(inputs).length, activation }).apply(inputs.ctx, x);
    return taskTowers(inputs, perTask, config);
  },
});
