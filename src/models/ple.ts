/**
 * PLE (Tang et al. 2020): x = [e; x_dense]; `levels` extraction levels of task-specific and
 * shared experts with a gate per task (and a shared gate between levels), see
 * layers/progressive-layered-extraction.ts; ŷ_t = tower_t(h_t^L).
 */
import { z } from 'zod';
import { ProgressiveLayeredExtraction } from '../layers/progressive-layered-extraction.js';
import { defineModel } from './model-definition.js';
import { multiTaskOptions, taskNames, taskTowers } from './task-towers.js';

export const ple = defineModel({
  type: 'ple',
  description: 'Progressive Layered Extraction: levels of shared and task-specific experts with gates, a tower and head per task',
  multiTask: true,
  schema: z
    .object({
      ...multiTaskOptions,
      levels: z.number().int().positive().default(2),
      sharedExperts: z.number().int().positive().default(2),
      taskExperts: z.number().int().positive().default(2),
      expertUnits: z.array(z.number().int().positive()).min(1).default([64]),
    })
    .strict(),
  build: (inputs, config) => {
    const x = inputs.flat(config.embeddingDim);
    const { levels, sharedExperts, taskExperts, expertUnits, activation } = config;
    const perTask = new ProgressiveLayeredExtraction({ name: 'ple', levels, sharedExperts, taskExperts, expertUnits, numTasks: taskNames(inputs).length, activation }).apply(inputs.ctx, x);
    return taskTowers(inputs, perTask, config);
  },
});
