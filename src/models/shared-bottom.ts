/**
 * Shared-bottom multi-task model (Caruana 1997): one MLP over x = [e; x_dense] shared by every
 * task, a tower per task on top: ŷ_t = tower_t(MLP(x)). The baseline MMoE and PLE improve on
 * when tasks conflict.
 */
import { z } from 'zod';
import { DeepFeatureTower } from '../layers/deep-feature-tower.js';
import { defineModel } from './model-definition.js';
import { multiTaskOptions, taskNames, taskTowers } from './task-towers.js';

export const sharedBottom = defineModel({
  type: 'shared-bottom',
  description: 'Shared-bottom multi-task model: one shared MLP, a tower and head per task',
  multiTask: true,
  schema: z.object({ ...multiTaskOptions, bottomUnits: z.array(z.number().int().positive()).min(1).default([64]) }).strict(),
  build: (inputs, config) => {
    const x = inputs.flat(config.embeddingDim);
    const bottom = new DeepFeatureTower({ name: 'bottom', units: config.bottomUnits.at(-1)!, hiddenUnits: config.bottomUnits, dropoutRate: config.dropout, batchNorm: false, activation: config.activation, l2Reg: null }).apply(inputs.ctx, x);
    return taskTowers(inputs, taskNames(inputs).map(() => bottom), config);
  },
});
