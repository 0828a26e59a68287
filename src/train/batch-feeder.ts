/**
 * Turns a Batch into the feeds of a built graph: numeric block, padding masks, labels, dropout
 * keep-masks, and — the row-sparse half of embeddings — the batch's embedding rows gathered from
 * the JS tables into one contiguous block per lookup.
 */
import type { Batch } from '../data/batch.js';
import { int64Of, type Feed } from '../engine/runtime.js';
import type { ParameterStore } from '../engine/parameter-store.js';
import type { BuildContext, EmbeddingLookup } from '../layers/build-context.js';
import { ArtifactError } from '../errors.js';
import { kernels } from '../engine/kernels.js';
import type { Random } from '../util/random.js';
import { ortView } from '../util/shared-memory.js';
import { GrowingBuffers } from '../util/growing-buffers.js';
import { cacheAligned } from '../util/cache-aligned.js';

/** The ids a lookup reads, flattened ([size] or [size * maxLength]), and the mask of multi-value ones. */
export function lookupIds(batch: Batch, lookup: EmbeddingLookup): { ids: Int32Array; mask?: Float32Array } {
  if (lookup.maxLength === undefined) {
    const ids = batch.categorical.get(lookup.feature);
    if (!ids) throw new ArtifactError(`the model reads feature '${lookup.feature}', which the data does not provide`);
    return { ids };
  }
  const multi = batch.multiValue.get(lookup.feature);
  if (!multi) throw new ArtifactError(`the model reads multi-value feature '${lookup.feature}', which the data does not provide`);
  return { ids: multi.ids, mask: multi.mask };
}

/** The value fed for a missing label of a multi-task head; its mask is 0, so any finite value gives the same loss. */
export const MISSING_LABEL_PLACEHOLDER = 0;

export class BatchFeeder {
  private readonly buffers = new GrowingBuffers((size) => cacheAligned(Float32Array, size));
  private readonly idBuffers = new GrowingBuffers((size) => new BigInt64Array(size));

  constructor(
    private readonly ctx: BuildContext,
    private readonly params: ParameterStore,
    private readonly numericCount: number,
    private readonly labelTask: string | undefined,
  ) {}

  /** A categorical feature's ids, [n], or a padded feature's, [n, maxLength], as int64, for graphs that index with them (ctx.ids, ctx.paddedIds). */
  private idsOf(batch: Batch, feature: string): Feed {
    const padded = batch.multiValue.get(feature);
    const ids = padded?.ids ?? batch.categorical.get(feature);
    if (!ids) throw new ArtifactError(`the model reads the ids of feature '${feature}', which the data does not provide`);
    const shape = padded ? [batch.size, padded.maxLength] : [batch.size];
    const count = shape[0]! * (shape[1] ?? 1);
    return { data: int64Of(ids, count, this.idBuffers.get(feature, count)), shape };
  }

  /**
   * A multi-task head's labels and mask: a missing label (NaN) gets mask 0 and the placeholder
   * 0, which the masked loss multiplies away (a NaN would survive the multiplication).
   */
  private maskedLabels(batch: Batch, task: string, feeds: Record<string, Feed>): void {
    const n = batch.size;
    const labels = batch.labels.get(task);
    if (!labels) throw new ArtifactError(`the batch has no labels for task '${task}'`);
    const values = this.buffers.get(`label/${task}`, n);
    const mask = this.buffers.get(`label_mask/${task}`, n);
    for (let i = 0; i < n; i++) {
      const present = !Number.isNaN(labels[i]!);
      values[i] = present ? labels[i]! : MISSING_LABEL_PLACEHOLDER;
      mask[i] = present ? 1 : 0;
    }
    feeds[`label/${task}`] = { data: values, shape: [n, 1] };
    feeds[`label_mask/${task}`] = { data: mask, shape: [n, 1] };
  }

  feeds(batch: Batch, rng?: Random): Record<string, Feed> {
    const n = batch.size;
    const feeds: Record<string, Feed> = {};
    const graph = this.ctx.graph;
    if (graph.findInput('dense')) feeds.dense = { data: batch.dense.subarray(0, n * this.numericCount), shape: [n, this.numericCount] };
    for (const lookup of this.ctx.lookups) {
      const table = this.params.tables.get(lookup.table)!;
      const { ids, mask } = lookupIds(batch, lookup);
      const dim = table.dim;
      const count = lookup.maxLength === undefined ? n : n * lookup.maxLength;
      // A block's lookups each fill their columns of one [n, width] input.
      const width = lookup.block?.width ?? dim;
      const rows = this.buffers.get(lookup.input, count * width);
      const bad = kernels.gatherRows(table.data, dim, ids, count, mask ?? null, rows.subarray(lookup.block?.offset ?? 0), width);
      if (bad >= 0) throw new ArtifactError(`id ${ids[bad]} of feature '${lookup.feature}' is outside table '${lookup.table}' (${table.rows} rows)`);
      feeds[lookup.input] = { data: rows, shape: lookup.maxLength === undefined ? [n, width] : [n, lookup.maxLength, dim] };
      if (mask) feeds[`${lookup.feature}_mask`] = { data: mask.subarray(0, count), shape: [n, lookup.maxLength!] };
    }
    for (const input of graph.inputs) {
      if (input.kind === 'data' && input.sym.dtype === 'int64') feeds[input.name] = this.idsOf(batch, input.name);
      if (input.kind === 'param') {
        const t = this.params.dense.get(input.name) ?? this.params.state.get(input.name);
        if (!t) throw new ArtifactError(`no value for weight '${input.name}'`);
        // Without the native addon, a shared weight reaches ONNX Runtime as a private copy.
        let data = ortView(t.data);
        if (!data) {
          data = this.buffers.get(input.name, t.data.length);
          data.set(t.data);
        }
        feeds[input.name] = { data, shape: t.shape };
      }
    }
    if (this.labelTask !== undefined && graph.findInput('label')) {
      const labels = batch.labels.get(this.labelTask);
      if (!labels) throw new ArtifactError(`the batch has no labels for task '${this.labelTask}'`);
      feeds.label = { data: labels.subarray(0, n), shape: [n, 1] };
    }
    if (this.labelTask !== undefined) for (const input of graph.inputs) if (input.name.startsWith('label/')) this.maskedLabels(batch, input.name.slice(6), feeds);
    for (const dropout of this.ctx.dropouts) {
      const size = dropout.shape.reduce((a, b) => a * b, n);
      const mask = this.buffers.get(dropout.input, size);
      const keep = 1 - dropout.rate;
      const scale = 1 / keep;
      for (let i = 0; i < size; i++) mask[i] = rng!.next() < keep ? scale : 0;
      feeds[dropout.input] = { data: mask, shape: [n, ...dropout.shape] };
    }
    return feeds;
  }
}
