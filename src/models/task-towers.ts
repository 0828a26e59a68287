/**
 * The top of every multi-task model: per task t of the feature spec a tower MLP over that task's
 * representation h_t and a logit, ŷ_t = w_t·tower_t(h_t) + b_t. Options shared by the
 * multi-task models live here so they spell them the same way.
 */
import { z } from 'zod';
import type { Sym } from '../engine/graph.js';
import { ACTIVATIONS } from '../layers/activation.js';
import { DeepFeatureTower } from '../layers/deep-feature-tower.js';
import type { FeatureInputs } from './feature-inputs.js';
import { embeddingOptions, logit, type ModelOutput } from './model-definition.js';

export const multiTaskOptions = {
  ...embeddingOptions,
  /** Widths of each task's tower; [] puts the logit right on the task's representation. */
  towerUnits: z.array(z.number().int().positive()).default([32]),
  activation: z.enum(ACTIVATIONS).default('relu'),
  dropout: z.number().min(0).lt(1).default(0),
};

export interface TaskTowerConfig {
  towerUnits: number[];
  activation: (typeof ACTIVATIONS)[number];
  dropout: number;
}

/** The spec's task names, one representation each is expected from the model's body. */
export function taskNames(inputs: FeatureInputs): string[] {
  return inputs.spec.tasks.map((t) => t.name);
}

/** Logits by task from one representation per task (in spec task order); the first task's is the main `logit`. */
export function taskTowers(inputs: FeatureInputs, representations: readonly Sym[], config: TaskTowerConfig): ModelOutput {
  const ctx = inputs.ctx;
  const logits: Record<string, Sym> = {};
  taskNames(inputs).forEach((task, t) => {
    const h = representations[t]!;
    const tower = config.towerUnits.length === 0
      ? h
      : new DeepFeatureTower({ name: `tower_${task}`, units: config.towerUnits.at(-1)!, hiddenUnits: config.towerUnits, dropoutRate: config.dropout, batchNorm: false, activation: config.activation, l2Reg: null }).apply(ctx, h);
    logits[task] = logit(ctx, tower, `logit_${task}`);
  });
  return { logit: Object.values(logits)[0]!, logits };
}
