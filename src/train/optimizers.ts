/**
 * Optimizers on Float32Arrays. One update rule serves a whole dense tensor and a single embedding
 * row alike (a contiguous span of a parameter and its slot arrays), so row-sparse training is
 * the same rule applied to only the rows a batch touched ("lazy" Adam/Adagrad).
 */
import { z } from 'zod';

export const OptimizerConfigSchema = z
  .object({
    type: z.enum(['adam', 'adagrad', 'sgd']).default('adam'),
    learningRate: z.number().positive().default(1e-3),
    beta1: z.number().min(0).lt(1).default(0.9),
    beta2: z.number().min(0).lt(1).default(0.999),
    epsilon: z.number().positive().default(1e-7),
    /** Adagrad's starting accumulator (Keras default). */
    initialAccumulator: z.number().min(0).default(0.1),
    momentum: z.number().min(0).lt(1).default(0),
    /** Decoupled weight decay (AdamW-style), as a fraction of the learning rate per step. */
    weightDecay: z.number().min(0).default(0),
  })
  .strict();
export type OptimizerConfig = z.output<typeof OptimizerConfigSchema>;

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Slot arrays a parameter of `size` values needs (Adam: m and v). */
  createSlots(size: number): Float32Array[];
  /**
   * Update param[offset .. offset+length) from grad[gradOffset ..), scaled by `gradScale` (clipping),
   * with coupled L2 `l2`. `step` is the 1-based global step (Adam's bias correction).
   */
  update(param: Float32Array, offset: number, length: number, grad: Float32Array, gradOffset: number, slots: Float32Array[], step: number, l2: number, gradScale: number): void;
}

class Adam implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return [new Float32Array(size), new Float32Array(size)];
  }

  update(p: Float32Array, offset: number, length: number, grad: Float32Array, gradOffset: number, slots: Float32Array[], step: number, l2: number, gradScale: number): void {
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this.config;
    const m = slots[0]!;
    const v = slots[1]!;
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
    const decay = 1 - learningRate * weightDecay;
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    const end = offset + length;
    // The hot loop of training: plain indexed Float32Array reads and writes, nothing allocated.
    for (let k = offset, j = gradOffset; k < end; k++, j++) {
      const pk = p[k]!;
      const g = grad[j]! * gradScale + l2 * pk;
      const mk = beta1 * m[k]! + c1 * g;
      const vk = beta2 * v[k]! + c2 * g * g;
      m[k] = mk;
      v[k] = vk;
      p[k] = pk * decay - (stepSize * mk) / (Math.sqrt(vk) + epsilon);
    }
  }

}

class Adagrad implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return [new Float32Array(size).fill(this.config.initialAccumulator)];
  }

  update(p: Float32Array, offset: number, length: number, grad: Float32Array, gradOffset: number, [acc]: Float32Array[], _step: number, l2: number, gradScale: number): void {
    const { learningRate, epsilon, weightDecay } = this.config;
    const decay = 1 - learningRate * weightDecay;
    for (let i = 0; i < length; i++) {
      const k = offset + i;
      const g = grad[gradOffset + i]! * gradScale + l2 * p[k]!;
      const a = (acc![k] = acc![k]! + g * g);
      p[k] = p[k]! * decay - (learningRate * g) / (Math.sqrt(a) + epsilon);
    }
  }
}

class Sgd implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return this.config.momentum > 0 ? [new Float32Array(size)] : [];
  }

  update(p: Float32Array, offset: number, length: number, grad: Float32Array, gradOffset: number, slots: Float32Array[], _step: number, l2: number, gradScale: number): void {
    const { learningRate, momentum, weightDecay } = this.config;
    const decay = 1 - learningRate * weightDecay;
    const velocity = slots[0];
    for (let i = 0; i < length; i++) {
      const k = offset + i;
      const g = grad[gradOffset + i]! * gradScale + l2 * p[k]!;
      const step = velocity ? (velocity[k] = momentum * velocity[k]! + g) : g;
      p[k] = p[k]! * decay - learningRate * step;
    }
  }
}

export function createOptimizer(config: OptimizerConfig): Optimizer {
  switch (config.type) {
    case 'adam':
      return new Adam(config);
    case 'adagrad':
      return new Adagrad(config);
    case 'sgd':
      return new Sgd(config);
  }
}
