/**
 * Optimizers on Float32Arrays. One update rule serves a whole dense tensor and a single embedding
 * row alike (a contiguous span of a parameter and its slot arrays), so row-sparse training is
 * the same rule applied to only the rows a batch touched ("lazy" Adam/Adagrad).
 */
import { z } from 'zod';
import { kernels, rounded } from '../engine/kernels.js';
import { sharedFloat32 } from '../util/shared-memory.js';
import type { ProductPrecision } from '../engine/graph.js';

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
    /**
     * The update rule's arithmetic: 'float64', or 'float32' as PyTorch computes, whose divisions
     * and square roots take half the time (the mlp bench step's Adam 0.81 -> 0.49 ms on one Zen 4
     * core; every trained value moves by a rounding). Weights and state are float32 either way.
     * Unset: float32 under train.precision bf16, whose gradients carry bf16's three digits, else
     * float64 (resolveArithmetic).
     */
    arithmetic: z.enum(['float64', 'float32']).optional(),
  })
  .strict();
export type OptimizerConfig = z.output<typeof OptimizerConfigSchema>;

/** `config` with its arithmetic set: as configured, or the default for products of `precision`. */
export function resolveArithmetic(config: OptimizerConfig, precision: ProductPrecision): OptimizerConfig {
  return { ...config, arithmetic: config.arithmetic ?? (precision === 'bf16' ? 'float32' : 'float64') };
}

/** The row list of a dense tensor: its whole data is row 0. */
export const WHOLE = Int32Array.of(0);

export interface Optimizer {
  readonly config: OptimizerConfig;
  /** Slot arrays a parameter of `size` values needs (Adam: m and v), shared with the update threads. */
  createSlots(size: number): Float32Array[];
  /**
   * One step over rows of `param` viewed as [*, width]: row rows[s] moves by grad[s·width ..
   * +width) for s < count, scaled by `gradScale` (clipping), with coupled L2 `l2`. A dense tensor
   * is one row as wide as itself (WHOLE); a table's touched rows are rows of its dim. `step` is
   * the 1-based global step (Adam's bias correction). Per-step constants are computed once per
   * call, not per row: with thousands of 32-wide rows that was most of the time. Adam and Adagrad
   * run in the step kernels (src/engine/kernels.ts).
   */
  update(param: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, slots: Float32Array[], step: number, l2: number, gradScale: number): void;
}

class Adam implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return [sharedFloat32(size), sharedFloat32(size)];
  }

  update(p: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, slots: Float32Array[], step: number, l2: number, gradScale: number): void {
    const { learningRate, beta1, beta2, epsilon, weightDecay } = this.config;
    const stepSize = (learningRate * Math.sqrt(1 - beta2 ** step)) / (1 - beta1 ** step);
    kernels.adamRows(p, slots[0]!, slots[1]!, rows, count, width, grad, beta1, beta2, stepSize, 1 - learningRate * weightDecay, epsilon, l2, gradScale, this.config.arithmetic === 'float32');
  }
}

class Adagrad implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return [sharedFloat32(size).fill(this.config.initialAccumulator)];
  }

  update(p: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, [acc]: Float32Array[], _step: number, l2: number, gradScale: number): void {
    const { learningRate, epsilon, weightDecay } = this.config;
    kernels.adagradRows(p, acc!, rows, count, width, grad, learningRate, 1 - learningRate * weightDecay, epsilon, l2, gradScale, this.config.arithmetic === 'float32');
  }
}

class Sgd implements Optimizer {
  constructor(readonly config: OptimizerConfig) {}

  createSlots(size: number): Float32Array[] {
    return this.config.momentum > 0 ? [sharedFloat32(size)] : [];
  }

  update(p: Float32Array, rows: Int32Array, count: number, width: number, grad: Float32Array, slots: Float32Array[], _step: number, l2: number, gradScale: number): void {
    const { learningRate, momentum, weightDecay } = this.config;
    const f = this.config.arithmetic === 'float32';
    const [lr, mu, decay, l2r, scale] = [learningRate, momentum, 1 - learningRate * weightDecay, l2, gradScale].map((x) => rounded(x, f)) as [number, number, number, number, number];
    const velocity = slots[0];
    for (let s = 0; s < count; s++) {
      const start = rows[s]! * width;
      const end = start + width;
      for (let k = start, j = s * width; k < end; k++, j++) {
        const g = rounded(rounded(grad[j]! * scale, f) + rounded(l2r * p[k]!, f), f);
        const step = velocity ? (velocity[k] = rounded(rounded(mu * velocity[k]!, f) + g, f)) : g;
        p[k] = rounded(p[k]! * decay, f) - rounded(lr * step, f);
      }
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
