/**
 * What a layer sees while a model's graph is built. The same model code builds three graphs:
 * - `train`: weights and gathered embedding rows are inputs, dropout masks are inputs, batch norm
 *   uses batch statistics and reports them as extra outputs;
 * - `eval`: like train but deterministic (no dropout, running statistics);
 * - `export`: the served model: weights are initializers and embeddings are gathered in-graph
 *   from int64 ids, so model.onnx runs anywhere ONNX runs.
 */
import { Graph, type Dim, type Sym } from '../engine/graph.js';
import { gather } from '../engine/ops.js';
import type { Initializer, ParameterStore } from '../engine/parameter-store.js';

export type BuildMode = 'train' | 'eval' | 'export';

export const BATCH = 'batch';

/** An embedding lookup the trainer must serve: gather rows of `table` by the ids of `feature`. */
export interface EmbeddingLookup {
  /** Graph input holding the gathered rows ([batch, dim] or [batch, maxLength, dim]). */
  input: string;
  table: string;
  feature: string;
  /** Padded length for multi-value features, absent for single ids. */
  maxLength?: number;
  /** Ids the trainer samples (sampled-negatives.ts) at the real positions of this sequence, instead of reading `feature` from the data. */
  negativesOf?: string;
  /** A single-id lookup whose rows are columns [offset, offset + dim) of `input`, a [batch, width] block several lookups share (embeddingBlock). */
  block?: { offset: number; width: number };
}

/** The training graph's output holding lookup `lookup`'s row gradients, [batch, dim] or [batch, maxLength, dim]. */
export function gradientOf(lookup: EmbeddingLookup): string {
  return lookup.block ? `grad/${lookup.input}/${lookup.feature}` : `grad/${lookup.input}`;
}

/** One single-id feature's embedding, for embeddingBlock: as the arguments of `embedding`. */
export interface BlockPart {
  table: string;
  rows: number;
  dim: number;
  feature: string;
  init: Initializer;
}

export interface DropoutInput {
  input: string;
  rate: number;
  /** Shape without the batch dimension. */
  shape: readonly number[];
}

export interface StateUpdate {
  state: string;
  output: string;
  value: Sym;
  momentum: number;
}

export class BuildContext {
  readonly lookups: EmbeddingLookup[] = [];
  readonly dropouts: DropoutInput[] = [];
  readonly stateUpdates: StateUpdate[] = [];
  private readonly names = new Map<string, number>();

  constructor(
    readonly graph: Graph,
    readonly params: ParameterStore,
    readonly mode: BuildMode,
    /**
     * Export only: features fed once per request (one row, [1, ...]) rather than once per
     * candidate. Everything computed from them alone then runs once; operations that join them
     * with candidate features broadcast them (see `concat`).
     */
    private readonly contextFeatures: ReadonlySet<string> = new Set(),
  ) {}

  /** The batch dimension of `feature`'s inputs. */
  private batchOf(feature: string): Dim {
    return this.contextFeatures.has(feature) ? 1 : BATCH;
  }

  get training(): boolean {
    return this.mode === 'train';
  }

  /** A name unique within this build, stable across builds of the same model ('dense', 'dense_1', ...). */
  uniqueName(base: string): string {
    const n = this.names.get(base) ?? 0;
    this.names.set(base, n + 1);
    return n === 0 ? base : `${base}_${n}`;
  }

  /** A trainable weight; `l2` overrides the trainer's global L2 for it (0 for biases). */
  weight(name: string, shape: readonly number[], init: Initializer, l2?: number): Sym {
    this.params.denseParam(name, shape, init, l2);
    return this.graph.param(name, shape);
  }

  /** Non-trainable state (batch-norm running statistics). */
  state(name: string, shape: readonly number[], init: Initializer): Sym {
    this.params.stateTensor(name, shape, init);
    return this.graph.param(name, shape);
  }

  /** In training, report `value` so the trainer moves state `name` toward it by (1 - momentum). */
  updateState(name: string, value: Sym, momentum: number): void {
    this.stateUpdates.push({ state: name, output: `state/${name}`, value, momentum });
  }

  /** A dropout keep-mask scaled by 1/(1-rate), fed by the trainer each step. */
  dropoutMask(name: string, shape: readonly number[], rate: number): Sym {
    const input = `dropout/${name}`;
    this.dropouts.push({ input, rate, shape });
    return this.graph.input(input, [BATCH, ...shape]);
  }

  /**
   * Embedding rows of `feature` from table `table` (rows x dim): [batch, dim], or
   * [batch, maxLength, dim] for a multi-value feature.
   */
  embedding(table: string, rows: number, dim: number, feature: string, init: Initializer, maxLength?: number): Sym {
    this.params.table(table, rows, dim, init);
    if (this.mode === 'export') {
      const batch = this.batchOf(feature);
      return gather(this.graph.param(table, [rows, dim]), this.graph.input(feature, maxLength === undefined ? [batch] : [batch, maxLength], 'data', 'int64'));
    }
    const idShape: Dim[] = maxLength === undefined ? [BATCH] : [BATCH, maxLength];
    const input = `rows/${table}/${feature}`;
    if (!this.lookups.some((l) => l.input === input)) this.lookups.push({ input, table, feature, ...(maxLength === undefined ? {} : { maxLength }) });
    return this.graph.input(input, [...idShape, dim]);
  }

  /**
   * The rows of several single-id features, to be joined side by side: in export, each
   * feature's gathered rows, as `embedding` gives them; in training and eval one [batch, Σ dim]
   * input that the trainer fills a feature's columns at a time, so the forward pass copies no
   * Concat of them (a few percent of a two-thread step of the bench DNN). Backward, each lookup's
   * gradient is its columns of the block's, as a Concat's would be (gradientOf).
   */
  embeddingBlock(parts: readonly BlockPart[]): Sym[] {
    if (this.mode === 'export' || parts.length < 2) return parts.map((p) => this.embedding(p.table, p.rows, p.dim, p.feature, p.init));
    const input = this.uniqueName('rows/block');
    const width = parts.reduce((w, p) => w + p.dim, 0);
    let offset = 0;
    for (const p of parts) {
      this.params.table(p.table, p.rows, p.dim, p.init);
      this.lookups.push({ input, table: p.table, feature: p.feature, block: { offset, width } });
      offset += p.dim;
    }
    return [this.graph.input(input, [BATCH, width])];
  }

  /**
   * Training only: rows of random ids of `table` (not 0) at each real position of sequence
   * `feature`, (batch, maxLength, dim), for a loss that contrasts behaviours with random ones.
   * They are rows of the table like any lookup's, so their gradients update it.
   */
  negativeEmbedding(table: string, rows: number, dim: number, feature: string, init: Initializer, maxLength: number): Sym {
    if (!this.training) throw new Error(`negative samples of '${feature}' exist only in the training graph`);
    this.params.table(table, rows, dim, init);
    const sampled = `${feature}#negatives`;
    const input = `rows/${table}/${sampled}`;
    if (!this.lookups.some((l) => l.input === input)) this.lookups.push({ input, table, feature: sampled, maxLength, negativesOf: feature });
    return this.graph.input(input, [BATCH, maxLength, dim]);
  }

  /** The int64 ids of a categorical feature, [batch], as in-graph indices (the exported model's id inputs). */
  ids(feature: string): Sym {
    return this.graph.input(feature, [this.batchOf(feature)], 'data', 'int64');
  }

  /** The int64 padded ids of a multi-value or sequence feature, [batch, maxLength] (compared in-graph, e.g. categories). */
  paddedIds(feature: string, maxLength: number): Sym {
    return this.graph.input(feature, [this.batchOf(feature), maxLength], 'data', 'int64');
  }

  /** The padding mask of a multi-value feature, [batch, maxLength]. */
  mask(feature: string, maxLength: number): Sym {
    return this.graph.input(`${feature}_mask`, [this.batchOf(feature), maxLength]);
  }

  /** Transformed numeric features, [batch, count]. */
  dense(count: number): Sym {
    return this.graph.input('dense', [BATCH, count]);
  }
}
