/**
 * The arrays a training run writes its outputs into, kept from step to step: the loss, each dense
 * weight's gradient (the update pool's shared array where it has one, so its helpers read it in
 * place), each lookup's row gradients and each batch-norm statistic. Row outputs are sized by the
 * batch and grow when a batch is larger than any before.
 */
import { numel } from '../engine/graph.js';
import type { Feed } from '../engine/runtime.js';
import { GrowingBuffers } from '../util/growing-buffers.js';
import { cacheAligned } from '../util/cache-aligned.js';

export interface OutputSpec {
  name: string;
  /** The shape after the batch dimension when `perRow`, else the whole shape. */
  shape: readonly number[];
  perRow: boolean;
  /** The array to write into, when the caller owns one. */
  into?: Float32Array;
}

export class StepOutputs {
  private readonly buffers = new GrowingBuffers((size) => cacheAligned(Float32Array, size));

  constructor(private readonly specs: readonly OutputSpec[]) {}

  /** Every output's array and shape for a batch of `rows` rows. */
  forBatch(rows: number): Record<string, Feed> {
    const feeds: Record<string, Feed> = {};
    for (const { name, shape: inner, perRow, into } of this.specs) {
      const shape = perRow ? [rows, ...inner] : inner;
      feeds[name] = { data: into ?? this.buffers.get(name, numel(shape)), shape };
    }
    return feeds;
  }
}
